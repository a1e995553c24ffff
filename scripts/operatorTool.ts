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

/** `5 people, 1 revocation, 3 cases, …` */
export function summary(counts: ExportCounts): string {
  return Object.entries(counts)
    .map(([type, n]) => `${n} ${n === 1 ? type : type === 'person' ? 'people' : `${type}s`}`)
    .join(', ');
}
