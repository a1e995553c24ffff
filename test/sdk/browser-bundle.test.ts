/**
 * The SDK must run in browsers: bundling its entry for the browser platform must need no Node
 * built-in module. esbuild fails the build on any `node:` or Node-only import it cannot resolve.
 */
import { resolve } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const repoRoot = resolve(import.meta.dirname, '../..');

describe('the client SDK in a browser', () => {
  it('bundles for the browser platform without any Node built-in', async () => {
    const result = await build({
      entryPoints: [resolve(repoRoot, 'client-sdk/src/index.ts')],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      conditions: ['caseroom-source', 'browser'],
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((path) => path.includes('client-sdk/src/CaseClient.ts'))).toBe(true);
    expect(inputs.filter((path) => path.startsWith('node:') || /\/(ws|better-sqlite3|pino)\//.test(path))).toEqual([]);
    expect(result.outputFiles[0]!.text.length).toBeGreaterThan(10_000);
  });
});
