import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { defineConfig } from 'vitest/config';

/**
 * The integration suite runs twice: on the embedded SQLite store and on Redis (cluster mode's
 * store), plus the multi-process cluster tests once. Under CI=true every project runs, so a
 * missing Redis fails the run; on a developer machine without Redis the Redis projects are left
 * out, with a notice.
 */
const ci = process.env.CI === 'true' || process.env.CI === '1';

const redisUrl = new URL(process.env.CASEROOM_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');

function redisAnswers(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(Number(redisUrl.port || 6379), redisUrl.hostname);
    socket.setTimeout(500);
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

const withRedis = ci || (await redisAnswers());
const withRedisServer = ci || spawnSync('redis-server', ['--version']).status === 0;
if (!withRedis)
  console.warn(`\n[caseroom] Redis is not answering on ${redisUrl.host}: the redis project is skipped (it runs under CI=true).\n`);
if (!withRedisServer) console.warn('\n[caseroom] redis-server is not installed: the cluster tests are skipped (they run under CI=true).\n');
const withChromium = ci || existsSync(process.env.CASEROOM_CHROMIUM ?? '/usr/bin/chromium');
if (!withChromium)
  console.warn('\n[caseroom] chromium is not installed: the console browser tests are skipped (they run under CI=true).\n');

/** Tests of the Redis store itself, outside any hub: the redis project's alone. */
const redisOnly = ['test/store/redis-*.test.ts'];
/** Tests of the embedded SQLite store's own mechanics (and its backups): the sqlite project's alone. */
const sqliteOnly = ['test/store/sqlite-*.test.ts', 'test/ops/backup.test.ts'];

/** Tests that move cases from the embedded store into Redis: they need both, so run in the redis project only. */
const sqliteToRedis = ['test/ops/export-import.test.ts'];

/** Pure logic and multi-process tests need no second run on the other store. */
const storeIndependent = [
  'test/shared/**',
  'test/sdk/**',
  'test/server/config.test.ts',
  'test/server/bus-messages.test.ts',
  'test/server/domain-changes.test.ts',
  'test/server/lifecycle.test.ts',
  'test/server/log-retention.test.ts',
  'test/ops/token-bucket.test.ts',
  'test/rooms/awareness-states.test.ts',
  'test/people/ownership-machine.test.ts',
  'test/approvals/approval-machine.test.ts',
  'test/conversation/voice.test.ts',
  'test/bench/**',
  'test/cluster/**',
  'test/console/**',
  'test/docs/**',
];

/**
 * The console's tests drive a real Chromium: left out, with a notice, where there is none (never
 * under CI). Its budget test only reads the build, and runs everywhere.
 */
const browserTests = withChromium ? [] : ['test/console/!(budget).test.ts'];

export default defineConfig({
  // Tests import the workspaces' TypeScript sources, not their build output.
  resolve: { conditions: ['caseroom-source'] },
  ssr: { resolve: { conditions: ['caseroom-source'] } },
  test: {
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores: keep the number of hub processes started at once small.
    maxWorkers: 2,
    reporters: ['default'],
    projects: [
      {
        extends: true as const,
        // Set, not inherited: CASEROOM_TEST_STORE=redis in the shell must not turn this project into a second redis run.
        test: {
          name: 'sqlite',
          include: ['test/**/*.test.ts'],
          exclude: ['test/cluster/**', ...redisOnly, ...sqliteToRedis, ...browserTests],
          env: { CASEROOM_TEST_STORE: 'sqlite' },
        },
      },
      ...(withRedis
        ? [
            {
              extends: true as const,
              test: {
                name: 'redis',
                include: ['test/**/*.test.ts'],
                exclude: [...storeIndependent, ...sqliteOnly],
                env: { CASEROOM_TEST_STORE: 'redis' },
                // Under CI the project runs even when Redis did not answer: fail at once, saying why.
                globalSetup: ['test/helpers/requireRedis.ts'],
              },
            },
          ]
        : []),
      ...(withRedisServer ? [{ extends: true as const, test: { name: 'cluster', include: ['test/cluster/**/*.test.ts'] } }] : []),
    ],
  },
});
