/**
 * `node --conditions=caseroom-source --import tsx bench/src/busFanout.ts [messages]`: what the
 * cluster bus costs as nodes are added. Every hub node subscribes to one channel per deployment
 * (server/src/cluster/RedisBus.ts), so each document update one node publishes reaches every
 * other node, whether or not it holds that case. Here one bus publishes `messages` document
 * updates of the bench's size (about 60 bytes) while 1, 2, 4, 8 and 16 other buses listen, and
 * the script reports Redis's CPU time per update published (read from /proc/<pid>/stat) and this
 * process's CPU time per reception (publishing included, so an upper bound on what reading an
 * update from the bus costs a node before it looks at the case; with many listeners the
 * publishing share is small). Needs Redis at CASEROOM_BENCH_REDIS_URL or
 * 127.0.0.1:6379; the channel is under a prefix of its own.
 */
import { createClient } from 'redis';
import { RedisBus } from '../../server/src/cluster/RedisBus.js';
import { createLogger } from '@caseroom/server';
import { cpuSeconds } from './cpuTime.js';

const messages = Number(process.argv[2] ?? 20_000);
const url = process.env.CASEROOM_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const log = createLogger('silent');
const payload = new Uint8Array(60).fill(7);

const info = createClient({ url });
await info.connect();
const redisPid = Number(/process_id:(\d+)/.exec(await info.info('server'))?.[1]);
await info.quit();
if (!Number.isFinite(redisPid)) throw new Error('could not read the Redis server pid');

interface Cost {
  redisPerPublish: number;
  /** this process's CPU time per update published, over all its buses */
  selfPerPublish: number;
}

async function measure(listeners: number): Promise<Cost> {
  const prefix = `bench-bus-${process.pid}-${listeners}:`;
  const publisher = await RedisBus.connect({ url, prefix, nodeId: 'publisher', log });
  const buses = await Promise.all(Array.from({ length: listeners }, (_, i) => RedisBus.connect({ url, prefix, nodeId: `node-${i}`, log })));
  let received = 0;
  const all = new Promise<void>((resolve) => {
    for (const bus of buses)
      bus.onMessage(() => {
        if (++received === messages * listeners) resolve();
      });
  });
  const redisBefore = cpuSeconds(redisPid);
  const selfBefore = process.cpuUsage();
  // In bursts, as a busy node publishes: each turn's updates leave together.
  for (let sent = 0; sent < messages; sent += 100) {
    for (let i = 0; i < 100; i++) publisher.publish({ kind: 'doc', caseId: `case-${(sent + i) % 500}`, payload });
    await new Promise((resolve) => setImmediate(resolve));
  }
  await all;
  const redisUsed = cpuSeconds(redisPid) - redisBefore;
  const self = process.cpuUsage(selfBefore);
  await Promise.all([publisher.close(), ...buses.map((bus) => bus.close())]);
  return { redisPerPublish: (redisUsed * 1e6) / messages, selfPerPublish: (self.user + self.system) / messages };
}

console.log(`${messages} document updates published on the cluster bus`);
await measure(2); // warms the JIT up
console.log('listening nodes | Redis CPU per update published | this process per reception (publishing included)');
for (const listeners of [1, 2, 4, 8, 16]) {
  const cost = await measure(listeners);
  console.log(
    `${String(listeners).padStart(15)} | ${cost.redisPerPublish.toFixed(1).padStart(27)} µs | ${(cost.selfPerPublish / listeners).toFixed(1).padStart(20)} µs`,
  );
}
