import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Tests import the workspaces' TypeScript sources, not their build output.
  resolve: { conditions: ['caseroom-source'] },
  ssr: { resolve: { conditions: ['caseroom-source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores: keep the number of hub processes started at once small.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
