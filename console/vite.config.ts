import { resolve } from 'node:path';
import { defaultClientConditions, defineConfig, type Plugin } from 'vite';
import { describeJsBudget, measureJs } from './jsBudget.js';

const outDir = resolve(import.meta.dirname, 'dist');

/** Prints what the console's JavaScript weighs once the build is written (see jsBudget.ts). */
function jsBudgetReport(): Plugin {
  return {
    name: 'caseroom-js-budget',
    apply: 'build',
    closeBundle() {
      const report = measureJs(outDir);
      const text = describeJsBudget(report);
      if (report.firstLoadGzipBytes > report.budgetBytes) this.warn(text);
      else console.log(`\n${text}\n`);
    },
  };
}

// The console bundles the SDK and shared from their TypeScript sources (the `caseroom-source`
// export condition), so building it never waits on their compiled output.
export default defineConfig({
  root: 'src',
  base: './',
  resolve: { conditions: ['caseroom-source', ...defaultClientConditions] },
  build: { outDir, emptyOutDir: true, target: 'es2022' },
  plugins: [jsBudgetReport()],
  server: { proxy: { '/api': 'http://localhost:3000', '/socket.io': { target: 'ws://localhost:3000', ws: true } } },
});
