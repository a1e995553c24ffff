/**
 * The Redis webhook store's failure counts: one entry per failing event, taken off as delivery
 * trimming removes the failed records, so the hash never outgrows the log it counts.
 */
import { createLogger, RedisStore } from '@caseroom/server';
import { createClient } from 'redis';
import { afterEach, describe, expect, it } from 'vitest';
import { caseEvent } from '../../server/src/events/EventLog.js';
import { deleteRedisKeys, testRedisUrl } from '../helpers/hub.js';
import { ann } from '../helpers/people.js';
import { deliveryRecord, minutesLater, webhookRecord } from '../helpers/records.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('the Redis store’s webhook failure counts', () => {
  it('holds the failed attempts of the records kept, and nothing once every record is trimmed', async () => {
    const prefix = `test:redis-webhooks:${process.pid}:`;
    cleanups.push(() => deleteRedisKeys(prefix));
    const store = await RedisStore.connect({ url: testRedisUrl, prefix, log: createLogger('silent') });
    cleanups.push(() => store.close());
    const redis = createClient({ url: testRedisUrl });
    await redis.connect();
    cleanups.push(() => redis.close());
    const failures = `${prefix}webhook:w1:failures`;

    await store.webhooks.create(webhookRecord('w1'));
    const [one, two] = await store.events.append([
      caseEvent({ id: 'c1', team: 'billing' }, 'case.created', ann, {}),
      caseEvent({ id: 'c1', team: 'billing' }, 'owner.claimed', ann, {}),
    ]);
    // attempts 1-3 fail on the first event, 4 delivers it, 5-6 fail on the second
    for (let attempt = 1; attempt <= 6; attempt++) {
      const event = attempt <= 4 ? one! : two!;
      await store.webhooks.recordAttempt(deliveryRecord('w1', event.id, attempt === 4 ? 'delivered' : 'failed', attempt));
    }
    expect(await redis.hGetAll(failures)).toEqual({ [one!.id]: '3', [two!.id]: '2' });

    expect(await store.webhooks.trimDeliveries(Date.parse(minutesLater(2.5)), 100)).toBe(2);
    expect(await redis.hGetAll(failures)).toEqual({ [one!.id]: '1', [two!.id]: '2' });
    expect(await store.webhooks.trimDeliveries(Date.parse(minutesLater(5.5)), 100)).toBe(3);
    expect(await redis.hGetAll(failures)).toEqual({ [two!.id]: '1' });
    expect(await store.webhooks.trimDeliveries(Date.parse(minutesLater(7)), 100)).toBe(1);
    expect(await redis.exists(failures)).toBe(0);
  });
});
