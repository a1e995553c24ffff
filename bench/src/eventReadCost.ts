/**
 * What one page of events costs Redis when a subscription names many cases: seeds `cases` cases ×
 * `perCase` events (interleaved, as live cases write them), reads the first page over every
 * case's index, and meanwhile PINGs Redis from a second client (in a thread of its own, so this
 * one's work does not delay its replies) as fast as it answers. The slowest PING is how long every
 * other client of that Redis waited. Run (after `npm run build`):
 *   node --import tsx bench/src/eventReadCost.ts [cases] [perCase] [rounds]
 */
import { Worker } from 'node:worker_threads';
import { createClient } from 'redis';
import { RedisEvents } from '../../server/dist/store/redis/RedisEvents.js';
import { RedisKeys } from '../../server/dist/store/redis/RedisKeys.js';

const [cases = 1000, perCase = 40, rounds = 5] = process.argv.slice(2).map(Number);
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `bench-read-${process.pid}:`;

const redis = createClient({ url });
await redis.connect();
// The pinger thread PINGs while the shared flag is 1 and posts the slowest PING when it drops to 0.
const pingerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const { createClient } = require(workerData.redisPath);
const client = createClient({ url: workerData.url });
client.connect().then(() => parentPort.postMessage('ready'));
parentPort.on('message', async (flag) => {
  let slowest = 0;
  while (Atomics.load(flag, 0) === 1) {
    const t = performance.now();
    await client.ping();
    slowest = Math.max(slowest, performance.now() - t);
  }
  parentPort.postMessage(slowest);
});
parentPort.on('close', () => client.quit());
`;
const pinger = new Worker(pingerSource, {
  eval: true,
  workerData: { url, redisPath: import.meta.resolve('redis').replace('file://', '') },
});
const fromPinger = (): Promise<unknown> => new Promise((resolve) => pinger.once('message', resolve));
await fromPinger();
const events = new RedisEvents(redis as never, new RedisKeys(prefix));
const caseIds = Array.from({ length: cases }, (_, i) => `case-${i}`);

try {
  const batch = 500;
  for (let i = 0; i < cases * perCase; i += batch) {
    const n = Math.min(batch, cases * perCase - i);
    await events.append(
      Array.from({ length: n }, (_, j) => ({
        caseId: caseIds[(i + j) % cases]!,
        team: 'bench',
        type: 'note.added' as never,
        at: new Date().toISOString(),
        actor: null,
        data: { n: i + j },
      })),
    );
  }
  for (let r = 0; r < rounds; r++) {
    const flag = new Int32Array(new SharedArrayBuffer(4));
    Atomics.store(flag, 0, 1);
    const slowest = fromPinger();
    pinger.postMessage(flag);
    const t = performance.now();
    const page = await events.read({ caseIds, after: '0-0', limit: 200 });
    const readMs = performance.now() - t;
    Atomics.store(flag, 0, 0);
    const slowestPing = (await slowest) as number;
    console.log(
      `read ${page.length} events over ${cases} cases: ${readMs.toFixed(1)} ms; slowest PING meanwhile ${slowestPing.toFixed(1)} ms`,
    );
  }
} finally {
  for await (const keys of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) if (keys.length > 0) await redis.unlink(keys);
  await redis.quit();
  await pinger.terminate();
}
