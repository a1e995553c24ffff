/**
 * The store contract for retention, on SQLite and on Redis alike: trimming removes the oldest
 * events (a prefix of the log), every cursor kept still replays exactly what follows it, every
 * older one is refused with `cursor_expired` naming the oldest cursor, numbering goes on, and
 * delivery records are trimmed by age. Only the two logs are trimmed.
 */
import type { CaseEvent } from '@caseroom/shared';
import { describe, expect, it } from 'vitest';
import { caseEvent, personOf } from '../../server/src/events/EventLog.js';
import type { CaseStore } from '../../server/src/store/CaseStore.js';
import { testStore } from '../helpers/hub.js';
import { ann } from '../helpers/people.js';
import { approvalRecord, caseRecord, deliveryRecord, minutesLater, webhookRecord } from '../helpers/records.js';
import { freshStore, secondConnection } from '../helpers/store.js';
import { pollUntil } from '../helpers/wait.js';

const cases = [
  { id: 'c1', team: 'billing' },
  { id: 'c2', team: 'shipping' },
  { id: 'c3', team: 'billing' },
];

/** Appends `count` events, round the cases, one write each. */
async function appendRound(store: CaseStore, count: number): Promise<CaseEvent[]> {
  const stored: CaseEvent[] = [];
  for (let i = 0; i < count; i++) stored.push(...(await store.events.append([caseEvent(cases[i % 3]!, 'fact.recorded', ann, { i })])));
  return stored;
}

/**
 * A moment after every event appended so far and before every one appended later: Redis dates an
 * event by its stream id (its own clock, in ms), SQLite by the event's `at`.
 */
async function aMomentLater(): Promise<number> {
  const cut = Date.now() + 1;
  await pollUntil('the clock to pass the cut', async () => Date.now() > cut, 1);
  return cut;
}

/** Trims everything before `before` in batches of `batch`; answers how many events went. */
async function trimAll(store: CaseStore, before: number, batch: number): Promise<number> {
  let total = 0;
  for (;;) {
    const removed = await store.events.trim(before, batch);
    total += removed;
    if (removed === 0) return total;
  }
}

async function expired(read: Promise<unknown>): Promise<unknown> {
  try {
    await read;
  } catch (err) {
    expect(err).toMatchObject({ code: 'cursor_expired' });
    return (err as { details: { oldest: unknown } }).details.oldest;
  }
  throw new Error('expected cursor_expired');
}

describe(`the ${testStore} store trims its event log`, () => {
  it('replays exactly the kept events from every cursor it keeps, and refuses every older cursor with the oldest one', async () => {
    const store = await freshStore();
    const old = await appendRound(store, 10);
    const cut = await aMomentLater();
    const kept = await appendRound(store, 8);

    expect(await trimAll(store, cut, 3)).toBe(10);
    const oldest = await store.events.oldest();
    expect(oldest).toBe(old.at(-1)!.id);

    for (const [i, cursor] of [oldest, ...kept.map((e) => e.id)].entries()) {
      expect(await store.events.read({ after: cursor, limit: 100 })).toEqual(kept.slice(i));
      const billing = kept.slice(i).filter((e) => e.caseId !== 'c2');
      expect(await store.events.read({ after: cursor, team: 'billing', limit: 100 })).toEqual(billing);
      expect(await store.events.read({ after: cursor, caseIds: ['c1', 'c3'], limit: 100 })).toEqual(billing);
      expect(await store.events.read({ after: cursor, limit: 2 })).toEqual(kept.slice(i, i + 2));
    }
    for (const cursor of [store.events.beginning, ...old.slice(0, -1).map((e) => e.id)]) {
      expect(await expired(store.events.read({ after: cursor, limit: 100 }))).toBe(oldest);
      expect(await expired(store.events.read({ after: cursor, team: 'shipping', limit: 100 }))).toBe(oldest);
      expect(await expired(store.events.read({ after: cursor, caseIds: ['c1'], limit: 100 }))).toBe(oldest);
    }
  });

  it('refuses reads by case from before its oldest kept event, naming that event’s predecessor', async () => {
    const store = await freshStore();
    await appendRound(store, 9); // seqs 1-3 of each case
    const cut = await aMomentLater();
    const kept = await appendRound(store, 6); // seqs 4-5 of each case
    await trimAll(store, cut, 100);

    for (const { id } of cases) {
      const ofCase = kept.filter((e) => e.caseId === id);
      expect(ofCase.map((e) => e.seq)).toEqual([4, 5]);
      for (const after of [0, 1, 2]) expect(await expired(store.events.forCase(id, after, 10))).toBe(3);
      expect(await store.events.forCase(id, 3, 10)).toEqual(ofCase);
      expect(await store.events.forCase(id, 4, 10)).toEqual(ofCase.slice(1));
      expect(await store.events.forCase(id, 5, 10)).toEqual([]);
    }
    expect(await store.events.forCase('never-written', 0, 10)).toEqual([]);
  });

  it('goes on numbering a case whose events were all trimmed, and answers the last trimmed id as the newest', async () => {
    const store = await freshStore();
    const old = await appendRound(store, 6);
    await trimAll(store, await aMomentLater(), 4);

    expect(await store.events.read({ after: await store.events.oldest(), limit: 10 })).toEqual([]);
    expect(await store.events.lastId()).toBe(old.at(-1)!.id);
    expect(await expired(store.events.forCase('c1', 0, 10))).toBe(2);
    expect(await store.events.forCase('c1', 2, 10)).toEqual([]);
    const [next] = await store.events.append([caseEvent(cases[0]!, 'owner.claimed', ann, {})]);
    expect(next!.seq).toBe(3);
    expect(store.events.compare(old.at(-1)!.id, next!.id)).toBe(-1);
    expect(await store.events.forCase('c1', 2, 10)).toEqual([next]);
    // A webhook created now starts after the newest event, not before the trimmed ones.
    await store.webhooks.create(webhookRecord('w1'));
    expect(await store.webhooks.cursor('w1')).toBe(next!.id);
  });

  it('removes each event once when two connections trim at the same time, and keeps what is not old enough', async () => {
    const store = await freshStore();
    const other = await secondConnection(store);
    await appendRound(store, 30);
    const cut = await aMomentLater();
    const kept = await appendRound(store, 3);

    const removed = await Promise.all([trimAll(store, cut, 7), trimAll(other, cut, 5)]);
    expect(removed[0] + removed[1]).toBe(30);
    expect(await store.events.read({ after: await other.events.oldest(), limit: 100 })).toEqual(kept);
    expect(await store.events.trim(cut, 100)).toBe(0);
  });

  it('trims events only: cases, ownership and approvals stay', async () => {
    const store = await freshStore();
    const one = cases[0]!;
    await store.cases.create(caseRecord('c1'), [caseEvent(one, 'case.created', ann, {})]);
    const owned = { owner: personOf(ann), epoch: 1, offer: null };
    const line = { epoch: 1, how: 'claim', from: null, to: 'ann', by: 'ann', at: minutesLater(0) } as const;
    await store.ownership.save('c1', 0, owned, line, [caseEvent(one, 'owner.claimed', ann, {})]);
    await store.approvals.create(approvalRecord('a1', 'c1'), [caseEvent(one, 'approval.requested', ann, {})]);
    await store.cases.setStatus('c1', 'resolved', minutesLater(1), [caseEvent(one, 'case.status_changed', ann, {})]);
    expect(await trimAll(store, await aMomentLater(), 100)).toBe(4);

    expect(await store.cases.get('c1')).toMatchObject({ id: 'c1', status: 'resolved' });
    expect(await store.ownership.get('c1')).toEqual(owned);
    expect(await store.ownership.history('c1')).toEqual([line]);
    expect(await store.approvals.get('a1')).toMatchObject({ id: 'a1', caseId: 'c1' });
  });
});

describe(`the ${testStore} store trims its webhook delivery log`, () => {
  it('removes the records made before the moment given, oldest first, and keeps the rest', async () => {
    const store = await freshStore();
    await store.webhooks.create(webhookRecord('w1'));
    await store.webhooks.create(webhookRecord('w2'));
    const events = await appendRound(store, 6);
    for (let attempt = 1; attempt <= 6; attempt++) {
      const eventId = events[attempt - 1]!.id;
      await store.webhooks.recordAttempt(deliveryRecord('w1', eventId, attempt % 2 ? 'failed' : 'delivered', attempt));
      await store.webhooks.recordAttempt(deliveryRecord('w2', eventId, 'failed', attempt));
    }
    // Records 1-3 of each webhook were made before minute 3.5.
    const before = Date.parse(minutesLater(3.5));
    let removed = 0;
    for (let step; (step = await store.webhooks.trimDeliveries(before, 2)) > 0;) removed += step;
    expect(removed).toBe(6);

    for (const webhookId of ['w1', 'w2']) {
      const page = await store.webhooks.deliveries({ webhookId, limit: 10 });
      expect(page.items.map((d) => d.attempt)).toEqual([6, 5, 4]);
    }
    const failed = await store.webhooks.deliveries({ webhookId: 'w1', outcome: 'failed', limit: 10 });
    expect(failed.items.map((d) => d.attempt)).toEqual([5]);
    // a failing event counts its attempts from the records kept
    expect(await store.webhooks.failedAttempts('w2', events[2]!.id)).toBe(0);
    expect(await store.webhooks.failedAttempts('w2', events[3]!.id)).toBe(1);
    expect(await store.webhooks.failedAttempts('w1', events[0]!.id)).toBe(0);
    expect(await store.webhooks.failedAttempts('w1', events[4]!.id)).toBe(1);
    expect(await store.webhooks.trimDeliveries(before, 100)).toBe(0);
  });
});
