/** What the operator scripts (backup, restore, export, import) share: paths, exit codes, summaries. */
import { resolve } from 'node:path';
import type { ExportCounts } from '../server/src/store/portable/portableFormat.js';

/** A path as the operator typed it: `npm run` moves to the repository root, INIT_CWD is where they were. */
export function operatorPath(path: string): string {
  return resolve(process.env.INIT_CWD ?? process.cwd(), path);
}

/** Runs a tool: on failure, its message (not a stack) on stderr and exit code 1. */
export async function runTool(name: string, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    console.error(`${name} failed: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}

/** How a count of records of each type reads where it is not just the type with an s. */
const plurals: Partial<Record<string, string>> = { person: 'people', trimmed: 'cases trimmed' };
const singulars: Partial<Record<string, string>> = { trimmed: 'case trimmed' };

/** `5 people, 1 revocation, 3 cases, …`; types none of which came are left out where they are rare (trimmed cases). */
export function summary(counts: ExportCounts): string {
  return Object.entries(counts)
    .filter(([type, n]) => n > 0 || type !== 'trimmed')
    .map(([type, n]) => `${n} ${n === 1 ? (singulars[type] ?? type) : (plurals[type] ?? `${type}s`)}`)
    .join(', ');
}
