/**
 * The console's JavaScript budget: what a first visit downloads — the entry script index.html
 * loads and the chunks it preloads, which are everything the entry imports statically — must stay
 * under 120 kB gzipped. Chunks loaded on demand (the notes editor) are reported but not counted.
 * The build prints this report (vite.config.ts) and test/console/budget.test.ts holds the line.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** 120 kB, in the unit Vite reports sizes in (1 kB = 1000 bytes). */
export const firstLoadBudgetBytes = 120_000;

export interface ScriptSize {
  /** path under dist/, e.g. `assets/index-Bj7Dltbb.js` */
  file: string;
  bytes: number;
  gzipBytes: number;
  /** loaded by index.html itself (the entry, or a chunk it preloads) */
  firstLoad: boolean;
}

export interface JsBudgetReport {
  scripts: ScriptSize[];
  firstLoadGzipBytes: number;
  budgetBytes: number;
}

/** The JavaScript files index.html loads: its module scripts and the chunks it preloads. */
export function firstLoadScripts(indexHtml: string): string[] {
  const files = new Set<string>();
  for (const tag of indexHtml.match(/<(script|link)\b[^>]*>/g) ?? []) {
    const isScript = tag.startsWith('<script') && /\btype="module"/.test(tag);
    const isPreload = tag.startsWith('<link') && /\brel="modulepreload"/.test(tag);
    const url = /\b(?:src|href)="([^"]+\.js)"/.exec(tag)?.[1];
    if ((isScript || isPreload) && url) files.add(url.replace(/^\.?\//, ''));
  }
  return [...files];
}

/** Measures every script the build emitted into `distDir`. */
export function measureJs(distDir: string): JsBudgetReport {
  const firstLoad = new Set(firstLoadScripts(readFileSync(join(distDir, 'index.html'), 'utf8')));
  const scripts = readdirSync(join(distDir, 'assets'))
    .filter((name) => name.endsWith('.js'))
    .map((name): ScriptSize => {
      const file = `assets/${name}`;
      const code = readFileSync(join(distDir, file));
      return { file, bytes: code.length, gzipBytes: gzipSync(code, { level: 9 }).length, firstLoad: firstLoad.has(file) };
    })
    .sort((a, b) => Number(b.firstLoad) - Number(a.firstLoad) || b.gzipBytes - a.gzipBytes);
  const missing = [...firstLoad].filter((file) => !scripts.some((s) => s.file === file));
  if (missing.length > 0) throw new Error(`index.html loads scripts the build did not emit: ${missing.join(', ')}`);
  const firstLoadGzipBytes = scripts.filter((s) => s.firstLoad).reduce((sum, s) => sum + s.gzipBytes, 0);
  return { scripts, firstLoadGzipBytes, budgetBytes: firstLoadBudgetBytes };
}

const kB = (bytes: number): string => `${(bytes / 1000).toFixed(2)} kB`;

/** The report as the build prints it. */
export function describeJsBudget(report: JsBudgetReport): string {
  const lines = report.scripts.map(
    (s) =>
      `  ${s.firstLoad ? 'first load' : 'on demand '}  ${s.file.padEnd(36)} ${kB(s.bytes).padStart(10)} │ gzip: ${kB(s.gzipBytes).padStart(9)}`,
  );
  const verdict = report.firstLoadGzipBytes <= report.budgetBytes ? 'within' : 'OVER';
  return [
    'JavaScript of the console:',
    ...lines,
    `  first load: ${kB(report.firstLoadGzipBytes)} gzipped, ${verdict} the budget of ${kB(report.budgetBytes)}`,
  ].join('\n');
}
