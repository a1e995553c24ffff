/**
 * The store contract for webhooks and their delivery log, on SQLite and on Redis alike: where a
 * new webhook's cursor starts, how attempts are logged and listed, and what removing one leaves.
 */
import { describe, expect, it } from 'vitest';
import { caseEvent } from '../../server/src/events/EventLog.js';
import { testStore } from '../helpers/hub.js';
import { ann } from '../helpers/people.js';
import { deliveryRecord, minutesLater, webhookRecord } from '../helpers/records.js';
import { freshStore } from '../helpers/store.js';

const billing = { id: 'c1', team: 'billing' };

describe(`the ${testStore} store keeps the contract for webhooks`, () => {
  it('starts a new webhook’s cursor at the newest event stored, and lists webhooks oldest first, by team', async () => {
    const store = await freshStore();
    expect(await store.webhooks.list()).toEqual([]);
    await store.webhooks.create(webhookRecord('w-before'));
    expect(await store.webhooks.cursor('w-before')).toBe(await store.events.lastId());
    const [newest] = await store.events.append([caseEvent(billing, 'case.created', ann, {})]);
    await store.webhooks.create(webhookRecord('w-b', { createdAt: minutesLater(1) }));
    await store.webhooks.create(webhookRecord('w-a', { createdAt: minutesLater(1), team: 'shipping', types: ['owner.claimed'] }));
    expect(await store.webhooks.cursor('w-b')).toBe(newest!.id);
    expect(await store.webhooks.get('w-a')).toEqual(
      webhookRecord('w-a', { createdAt: minutesLater(1), team: 'shipping', types: ['owner.claimed'] }),
    );
    expect((await store.webhooks.list()).map((w) => w.id)).toEqual(['w-before', 'w-a', 'w-b']);
    expect((await store.webhooks.list('billing')).map((w) => w.id)).toEqual(['w-before', 'w-b']);
    expect(await store.webhooks.get('nope')).toBeNull();
    expect(await store.webhooks.cursor('nope')).toBeNull();
  });

  it('refuses a second webhook with the same id as a fault, keeping the first', async () => {
    const store = await freshStore();
    await store.webhooks.create(webhookRecord('w1'));
    await expect(store.webhooks.create(webhookRecord('w1', { url: 'https://elsewhere.example.com/' }))).rejects.toThrow(
      'webhook w1 is already stored',
    );
    expect(await store.webhooks.get('w1')).toEqual(webhookRecord('w1'));
  });

  it('logs attempts newest first, by outcome and page by page; a delivered one moves the cursor, only forward', async () => {
    const store = await freshStore();
    await store.webhooks.create(webhookRecord('w1'));
    const [first, second] = await store.events.append([
      caseEvent(billing, 'case.created', ann, {}),
      caseEvent(billing, 'owner.claimed', ann, {}),
    ]);
    const attempts = [
      deliveryRecord('w1', first!.id, 'failed', 1),
      deliveryRecord('w1', first!.id, 'failed', 2),
      deliveryRecord('w1', second!.id, 'delivered', 1),
      deliveryRecord('w1', first!.id, 'delivered', 3),
    ];
    for (const attempt of attempts) expect(await store.webhooks.recordAttempt(attempt)).toBe(true);
    expect(await store.webhooks.cursor('w1')).toBe(second!.id);
    expect(await store.webhooks.failedAttempts('w1', first!.id)).toBe(2);
    expect(await store.webhooks.failedAttempts('w1', second!.id)).toBe(0);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.webhooks.deliveries({ webhookId: 'w1', limit: 3, cursor });
      seen.push(...page.items.map((d) => d.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([...attempts].reverse().map((d) => d.id));
    const failed = await store.webhooks.deliveries({ webhookId: 'w1', outcome: 'failed', limit: 10 });
    expect(failed).toEqual({ items: [attempts[1], attempts[0]], nextCursor: null });
    await expect(store.webhooks.deliveries({ webhookId: 'w1', limit: 10, cursor: 'not a cursor' })).rejects.toMatchObject({
      code: 'invalid_payload',
    });
    const notASeq = Buffer.from('["x"]').toString('base64url');
    await expect(store.webhooks.deliveries({ webhookId: 'w1', limit: 10, cursor: notASeq })).rejects.toMatchObject({
      code: 'invalid_payload',
    });
  });

  it('removes a webhook with its delivery log; attempts for it are not logged afterwards', async () => {
    const store = await freshStore();
    await store.webhooks.create(webhookRecord('w1'));
    await store.webhooks.create(webhookRecord('w2'));
    const [event] = await store.events.append([caseEvent(billing, 'case.created', ann, {})]);
    await store.webhooks.recordAttempt(deliveryRecord('w1', event!.id, 'failed'));
    await store.webhooks.recordAttempt(deliveryRecord('w2', event!.id, 'delivered'));
    expect(await store.webhooks.remove('w1')).toBe(true);
    expect(await store.webhooks.remove('w1')).toBe(false);
    expect(await store.webhooks.get('w1')).toBeNull();
    expect(await store.webhooks.recordAttempt(deliveryRecord('w1', event!.id, 'failed', 2))).toBe(false);
    expect(await store.webhooks.deliveries({ webhookId: 'w1', limit: 10 })).toEqual({ items: [], nextCursor: null });
    expect(await store.webhooks.failedAttempts('w1', event!.id)).toBe(0);
    // The other webhook keeps its own.
    expect((await store.webhooks.deliveries({ webhookId: 'w2', limit: 10 })).items).toEqual([deliveryRecord('w2', event!.id, 'delivered')]);
    expect((await store.webhooks.list()).map((w) => w.id)).toEqual(['w2']);
  });
});
