/**
 * The console's JavaScript budget, read from the build in console/dist (no browser): what a first
 * visit downloads stays under 120 kB gzipped, and the notes editor is left to load on demand.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { firstLoadBudgetBytes, firstLoadScripts, measureJs } from '../../console/jsBudget.js';

const dist = resolve(import.meta.dirname, '../../console/dist');

describe("the console's JavaScript budget", () => {
  it('finds the scripts index.html loads first: its module scripts and the chunks it preloads', () => {
    const html = `<!doctype html><html><head>
      <script type="module" crossorigin src="./assets/index-abc.js"></script>
      <link rel="modulepreload" crossorigin href="./assets/vendor-def.js">
      <link rel="stylesheet" crossorigin href="./assets/index-123.css">
      <link rel="icon" href="./favicon.ico" />
      </head><body><script src="./legacy.js"></script></body></html>`;
    expect(firstLoadScripts(html)).toEqual(['assets/index-abc.js', 'assets/vendor-def.js']);
  });

  it('keeps the first load under 120 kB of gzipped JavaScript, with the notes editor loaded on demand', () => {
    if (!existsSync(join(dist, 'index.html'))) throw new Error('console/dist is missing: `npm test` builds it first (npm run build)');
    const report = measureJs(dist);
    const firstLoad = report.scripts.filter((s) => s.firstLoad);
    expect(firstLoad.length).toBeGreaterThan(0);
    // The sizes are those of the files as built, gzipped.
    for (const script of report.scripts) {
      const code = readFileSync(join(dist, script.file));
      expect(script.bytes).toBe(code.length);
      expect(script.gzipBytes).toBe(gzipSync(code, { level: 9 }).length);
    }
    expect(report.firstLoadGzipBytes).toBe(firstLoad.reduce((sum, s) => sum + s.gzipBytes, 0));
    expect(report.firstLoadGzipBytes).toBeLessThanOrEqual(firstLoadBudgetBytes);
    expect(firstLoadBudgetBytes).toBe(120_000);

    // CodeMirror is in a chunk of its own that the first load does not fetch.
    const editor = report.scripts.filter((s) => readFileSync(join(dist, s.file), 'utf8').includes('cm-ySelectionCaret'));
    expect(editor.map((s) => s.firstLoad)).toEqual([false]);
  });
});
