/**
 * How the Redis event log reads over many case indexes: merged in the hub, with only a page's
 * ids handed to a script, and still refusing a read that a trim overtook.
 */
import { createClient } from 'redis';
import { afterEach, describe, expect, it } from 'vitest';
import { caseEvent } from '../../server/src/events/EventLog.js';
import type { Redis } from '../../server/src/store/redis/connection.js';
import { RedisEvents } from '../../server/src/store/redis/RedisEvents.js';
import { RedisKeys } from '../../server/src/store/redis/RedisKeys.js';
import { deleteRedisKeys, testRedisUrl } from '../helpers/hub.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

let prefixCounter = 0;
async function openEvents(): Promise<{ redis: Redis; keys: RedisKeys; events: RedisEvents }> {
  const prefix = `test:redis-events:${process.pid}:${++prefixCounter}:`;
  cleanups.push(() => deleteRedisKeys(prefix));
  const redis: Redis = createClient({ url: testRedisUrl });
  await redis.connect();
  cleanups.push(() => redis.close());
  const keys = new RedisKeys(prefix);
  return { redis, keys, events: new RedisEvents(redis, keys) };
}

/** The same connection, with `hooks` run in place of some of its methods (each given the original). */
function intercepted(
  redis: Redis,
  hooks: Partial<
    Record<'xRange' | 'sendCommand', (original: (...args: never[]) => Promise<unknown>, ...args: never[]) => Promise<unknown>>
  >,
): Redis {
  for (const name of Object.keys(hooks) as Array<keyof typeof hooks>)
    expect(typeof redis[name], `node-redis no longer has ${name}`).toBe('function');
  return new Proxy(redis, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      const hook = hooks[name as keyof typeof hooks];
      if (typeof value !== 'function') return value;
      const original = (value as (...args: never[]) => Promise<unknown>).bind(target);
      return hook ? (...args: never[]) => hook(original, ...args) : original;
    },
  });
}

const team = 'billing';
const cases = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `c${i}`, team }));

describe('Redis event reads over many case indexes', () => {
  it('pages through 300 cases in id order when one case holds most of the events', async () => {
    const { events } = await openEvents();
    const all = cases(300);
    const hot = all[7]!;
    // the hot case writes among the quiet ones: two of its events, then one of another case
    const news = [];
    for (let i = 0; i < 600; i++) {
      news.push(caseEvent(hot, 'fact.recorded', null, {}));
      if (i % 2 === 0) news.push(caseEvent(all[i / 2]!, 'fact.recorded', null, {}));
    }
    const stored = [];
    for (let i = 0; i < news.length; i += 100) stored.push(...(await events.append(news.slice(i, i + 100))));

    const caseIds = all.map((c) => c.id);
    const paged = [];
    let after = events.beginning;
    for (;;) {
      const page = await events.read({ caseIds, after, limit: 50 });
      paged.push(...page);
      if (page.length < 50) break;
      after = page.at(-1)!.id;
    }
    expect(paged).toEqual(stored);
    expect(await events.read({ caseIds: caseIds.filter((id) => id !== hot.id), limit: 1000 })).toEqual(
      stored.filter((e) => e.caseId !== hot.id),
    );
  });

  it('hands a script at most a page of ids, however many cases the read names', async () => {
    const { redis, keys, events } = await openEvents();
    const all = cases(400);
    for (let round = 0; round < 5; round++) await events.append(all.map((c) => caseEvent(c, 'fact.recorded', null, {})));
    let largestScript = 0;
    const watched = intercepted(redis, {
      sendCommand: (original, ...args) => {
        const command = args[0] as unknown as string[];
        if (command[0] === 'EVALSHA' || command[0] === 'EVAL')
          largestScript = Math.max(largestScript, command.length - 3 - Number(command[2]));
        return original(...args);
      },
    });
    const page = await new RedisEvents(watched, keys).read({ caseIds: all.map((c) => c.id), limit: 20 });
    expect(page).toHaveLength(20);
    expect(largestScript).toBeGreaterThan(0);
    // the id the read has seen up to, then no more ids than the page lacks
    expect(largestScript).toBeLessThanOrEqual(21);
  });

  it('refuses with cursor_expired a read whose events were trimmed between reading the indexes and fetching the bodies', async () => {
    const { redis, keys, events } = await openEvents();
    const all = cases(3);
    const stored = await events.append([...all, ...all].map((c) => caseEvent(c, 'fact.recorded', null, {})));
    let trim: Promise<number> | null = null;
    const racing = intercepted(redis, {
      xRange: async (original, ...args) => {
        const entries = await original(...args);
        // the first index read lets retention remove the two oldest events before the bodies are fetched
        trim ??= events.trim(Date.now() + 60_000, 2);
        await trim;
        return entries;
      },
    });
    await expect(new RedisEvents(racing, keys).read({ caseIds: all.map((c) => c.id), limit: 10 })).rejects.toMatchObject({
      code: 'cursor_expired',
    });
    expect(await trim).toBe(2);
    // read again, it is refused up front and from the oldest kept cursor goes on without a gap
    expect(await events.read({ caseIds: all.map((c) => c.id), after: stored[1]!.id, limit: 10 })).toEqual(stored.slice(2));
  });
});
