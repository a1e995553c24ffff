/**
 * `node --import tsx bench/src/eventBytes.ts [--events 10000] [--cases 100] [--teams 5]`
 * (after `npm run build`; REDIS_URL, default redis://127.0.0.1:6379): what the case event log
 * costs Redis per event. Appends `events` events round `cases` cases spread over `teams` teams
 * through the Redis store, one write each, under a key prefix of its own, then reports MEMORY
 * USAGE of every key the log wrote (the global stream, the team and case streams, the per-case
 * seq -> id hashes and counters) per event, and the growth of INFO's used_memory per event
 * (which also counts Redis's own overhead, so it is noisier). The prefix is deleted afterwards.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createLogger, RedisStore } from '@caseroom/server';
import { createClient } from 'redis';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '10000' },
    cases: { type: 'string', default: '100' },
    teams: { type: 'string', default: '5' },
  },
});
const eventCount = Number(values.events);
const caseCount = Number(values.cases);
const teamCount = Number(values.teams);
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `bench:event-bytes:${randomBytes(4).toString('hex')}:`;

/** A mix like a case's log: facts recorded, steps added, notes changed, people joining. */
function eventOf(i: number) {
  const c = i % caseCount;
  const at = new Date(Date.UTC(2026, 11, 2, 9, 0, 0) + i * 1000).toISOString();
  const actor = { userId: `agent-${c % 40}`, name: `Agent ${c % 40}`, role: 'agent' as const };
  const kinds = [
    { type: 'fact.recorded' as const, data: { question: 'Order number', answer: `A-${100_000 + i}` } },
    { type: 'step.added' as const, data: { stepId: `s-${i}`, text: 'Refund the duplicate charge', assignee: actor.userId } },
    { type: 'notes.changed' as const, data: { length: 200 + (i % 300) } },
    { type: 'member.joined' as const, data: {} },
  ];
  return { caseId: `case-${c}`, team: `team-${c % teamCount}`, at, actor, ...kinds[i % kinds.length]! };
}

/** MEMORY USAGE (exact) of every key of the log under the prefix. */
async function logKeys(): Promise<Map<string, number>> {
  const bytes = new Map<string, number>();
  for await (const keys of redis.scanIterator({ MATCH: `${prefix}events*`, COUNT: 1000 })) {
    for (const key of keys) bytes.set(key, Number(await redis.sendCommand(['MEMORY', 'USAGE', key, 'SAMPLES', '0'])));
  }
  return bytes;
}

function usedMemory(info: string): number {
  return Number(/used_memory:(\d+)/.exec(info)![1]);
}

const redis = createClient({ url });
await redis.connect();
const store = await RedisStore.connect({ url, prefix, log: createLogger('silent') });
try {
  const before = usedMemory(await redis.info('memory'));
  for (let i = 0; i < eventCount; i++) await store.events.append([eventOf(i)]);
  const after = usedMemory(await redis.info('memory'));
  const keys = await logKeys();
  const kinds = { global: 0, team: 0, case: 0, ids: 0, counters: 0 };
  for (const [key, size] of keys) {
    const name = key.slice(prefix.length);
    if (name === 'events') kinds.global += size;
    else if (name.startsWith('events:team:')) kinds.team += size;
    else if (name.endsWith(':ids')) kinds.ids += size;
    else if (name.endsWith(':seq')) kinds.counters += size;
    else kinds.case += size;
  }
  const total = kinds.global + kinds.team + kinds.case + kinds.ids + kinds.counters;
  const per = (n: number) => (n / eventCount).toFixed(1);
  console.log(`${eventCount} events, ${caseCount} cases, ${teamCount} teams, ${keys.size} keys`);
  console.log(`MEMORY USAGE per event: ${per(total)} B`);
  console.log(
    `  global stream ${per(kinds.global)} B, team streams ${per(kinds.team)} B, case streams ${per(kinds.case)} B, seq -> id hashes ${per(kinds.ids)} B, seq counters ${per(kinds.counters)} B`,
  );
  console.log(`used_memory growth per event: ${per(after - before)} B`);
} finally {
  await store.close();
  for await (const keys of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) if (keys.length > 0) await redis.unlink(keys);
  await redis.close();
}
