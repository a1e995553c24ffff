import { defaultClientConditions, defineConfig } from 'vite';

// The console bundles the SDK and shared from their TypeScript sources (the `caseroom-source`
// export condition), so building it never waits on their compiled output.
export default defineConfig({
  root: 'src',
  base: './',
  resolve: { conditions: ['caseroom-source', ...defaultClientConditions] },
  build: { outDir: '../dist', emptyOutDir: true, target: 'es2022' },
  server: { proxy: { '/api': 'http://localhost:3000', '/socket.io': { target: 'ws://localhost:3000', ws: true } } },
});
