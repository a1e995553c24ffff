/**
 * The store contract for the case event log, on SQLite and on Redis alike: how events are
 * numbered and read, which cursors are refused, and that the store itself tells event readers of
 * every committed write that stored events (`events.onAppended`), whichever aggregate made it.
 */
import { describe, expect, it } from 'vitest';
import { caseEvent } from '../../server/src/events/EventLog.js';
import { testStore } from '../helpers/hub.js';
import { ann } from '../helpers/people.js';
import { approvalRecord, caseRecord, deliveryRecord, madeAt, minutesLater, webhookRecord } from '../helpers/records.js';
import { freshStore } from '../helpers/store.js';

const one = { id: 'c1', team: 'billing' };
const two = { id: 'c2', team: 'shipping' };

describe(`the ${testStore} store keeps the contract for events`, () => {
  it('numbers each case’s events from 1 in the order they were appended, a write’s in the order given', async () => {
    const store = await freshStore();
    const appended = await store.events.append([
      caseEvent(one, 'member.joined', ann, {}),
      caseEvent(two, 'member.joined', ann, {}),
      caseEvent(one, 'fact.recorded', ann, { n: 1 }),
    ]);
    expect(appended.map((e) => [e.caseId, e.seq])).toEqual([
      ['c1', 1],
      ['c2', 1],
      ['c1', 2],
    ]);
    await store.events.append([caseEvent(one, 'owner.claimed', ann, {})]);
    const ofOne = await store.events.forCase('c1', 0, 10);
    expect(ofOne.map((e) => [e.seq, e.type])).toEqual([
      [1, 'member.joined'],
      [2, 'fact.recorded'],
      [3, 'owner.claimed'],
    ]);
    // What the append answered is what was stored.
    expect(ofOne.slice(0, 2)).toEqual([appended[0], appended[2]]);
    expect(await store.events.forCase('c1', 1, 10)).toEqual(ofOne.slice(1));
    expect(await store.events.forCase('c1', 1, 1)).toEqual(ofOne.slice(1, 2));
  });

  it('reads events in id order after a cursor, by team, by cases and by type', async () => {
    const store = await freshStore();
    await store.events.append([caseEvent(one, 'member.joined', ann, {}), caseEvent(two, 'member.joined', ann, {})]);
    await store.events.append([caseEvent(one, 'owner.claimed', ann, {}), caseEvent(two, 'step.added', ann, {})]);
    const all = await store.events.read({ limit: 10 });
    expect(all.map((e) => [e.caseId, e.type])).toEqual([
      ['c1', 'member.joined'],
      ['c2', 'member.joined'],
      ['c1', 'owner.claimed'],
      ['c2', 'step.added'],
    ]);
    for (let i = 1; i < all.length; i++) expect(store.events.compare(all[i - 1]!.id, all[i]!.id)).toBe(-1);
    expect(store.events.compare(all[2]!.id, all[2]!.id)).toBe(0);
    expect(await store.events.read({ after: all[0]!.id, limit: 2 })).toEqual(all.slice(1, 3));
    expect(await store.events.read({ team: 'billing', limit: 10 })).toEqual([all[0], all[2]]);
    expect(await store.events.read({ caseIds: ['c2', 'c1'], after: all[1]!.id, limit: 10 })).toEqual(all.slice(2));
    expect(await store.events.read({ types: ['owner.claimed', 'step.added'], limit: 10 })).toEqual(all.slice(2));
    expect(await store.events.lastId()).toBe(all[3]!.id);
  });

  it('reads matches in id order however many reads of the cases it takes, whole or page by page', async () => {
    const store = await freshStore();
    const cases = Array.from({ length: 7 }, (_, i) => ({ id: `c${i}`, team: i % 2 ? 'billing' : 'shipping' }));
    const all = [];
    for (let round = 0; round < 10; round++) {
      all.push(
        ...(await store.events.append(Array.from({ length: 70 }, (_, i) => caseEvent(cases[i % 7]!, 'fact.recorded', ann, { round, i })))),
      );
    }
    const named = ['c6', 'c1', 'c2', 'c4', 'c5'];
    const wanted = all.filter((e) => named.includes(e.caseId));
    expect(await store.events.read({ caseIds: named, limit: 1000 })).toEqual(wanted);
    const paged = [];
    for (let after = store.events.beginning; ;) {
      const page = await store.events.read({ caseIds: named, after, limit: 45 });
      if (page.length === 0) break;
      paged.push(...page);
      after = page.at(-1)!.id;
    }
    expect(paged).toEqual(wanted);
    expect(await store.events.read({ team: 'billing', types: ['fact.recorded'], after: all[99]!.id, limit: 1000 })).toEqual(
      all.slice(100).filter((e) => cases.find((c) => c.id === e.caseId)!.team === 'billing'),
    );
  });

  it('hands out a cursor before the first event that reads every event appended later', async () => {
    const store = await freshStore();
    const head = await store.events.lastId();
    expect(store.events.compare(head, head)).toBe(0);
    expect(await store.events.read({ after: head, limit: 10 })).toEqual([]);
    const [first] = await store.events.append([caseEvent(one, 'member.joined', ann, {})]);
    expect(store.events.compare(head, first!.id)).toBe(-1);
    expect(await store.events.read({ after: head, limit: 10 })).toEqual([first]);
  });

  it('refuses a cursor that is not an event id of the store with invalid_cursor', async () => {
    const store = await freshStore();
    const head = await store.events.lastId();
    for (const foreign of ['yesterday', '', '-1', '1.5', 'abc-def']) {
      expect(store.events.compare(foreign, head)).toBeNull();
      expect(store.events.compare(head, foreign)).toBeNull();
      await expect(store.events.read({ after: foreign, limit: 10 })).rejects.toMatchObject({ code: 'invalid_cursor' });
    }
  });

  it('reads nothing when a query leaves no room for an event', async () => {
    const store = await freshStore();
    await store.events.append([caseEvent(one, 'member.joined', ann, {}), caseEvent(one, 'owner.claimed', ann, {})]);
    expect(await store.events.read({ caseIds: [], limit: 10 })).toEqual([]);
    expect(await store.events.read({ types: [], limit: 10 })).toEqual([]);
    expect(await store.events.read({ limit: 0 })).toEqual([]);
    expect(await store.events.read({ limit: -1 })).toEqual([]);
    expect(await store.events.forCase('c1', 0, 0)).toEqual([]);
    expect(await store.events.forCase('c1', 0, -1)).toEqual([]);
    // Sequence numbers are whole and start at 1: any `after` below 1 reads from the first.
    expect((await store.events.forCase('c1', -5, 10)).map((e) => e.seq)).toEqual([1, 2]);
    expect((await store.events.forCase('c1', 1.5, 10)).map((e) => e.seq)).toEqual([2]);
    expect(await store.events.forCase('never-written', 0, 10)).toEqual([]);
  });
});

describe(`the ${testStore} store tells event readers itself`, () => {
  it('once per committed write that stored events, whichever aggregate wrote them, after the events are readable', async () => {
    const store = await freshStore();
    const readable: Array<Promise<number>> = [];
    store.events.onAppended(() => readable.push(store.events.read({ limit: 100 }).then((events) => events.length)));
    const event = (type: 'case.created' | 'case.status_changed' | 'owner.claimed' | 'approval.requested') => [
      caseEvent(one, type, ann, {}),
    ];

    await store.cases.create(caseRecord('c1'), event('case.created'));
    await store.cases.setStatus('c1', 'resolved', minutesLater(1), event('case.status_changed'));
    await store.ownership.save('c1', 0, { owner: null, epoch: 1, offer: null }, null, event('owner.claimed'));
    await store.approvals.create(approvalRecord('a1', 'c1'), event('approval.requested'));
    await store.approvals.save(approvalRecord('a1', 'c1', { status: 'cancelled', version: 2 }), 1, [
      caseEvent(one, 'approval.cancelled', ann, {}),
      caseEvent(one, 'approval.cancelled', ann, { second: true }),
    ]);
    await store.people.revoke('ann', 1_000, [caseEvent({ id: 'team:billing', team: 'billing' }, 'person.revoked', null, {})]);
    await store.events.append([caseEvent(one, 'member.joined', ann, {})]);

    // Each listener call read every event of its write: they were stored before it was told.
    expect(await Promise.all(readable)).toEqual([1, 2, 3, 4, 6, 7, 8]);
  });

  it('never for a write that stored no event, or was refused', async () => {
    const store = await freshStore();
    await store.cases.create(caseRecord('c1'), []);
    await store.approvals.create(approvalRecord('a1', 'c1'), []);
    await store.ownership.save('c1', 0, { owner: null, epoch: 1, offer: null }, null, []);
    await store.webhooks.create(webhookRecord('w1'));
    let told = 0;
    store.events.onAppended(() => told++);
    const event = [caseEvent(one, 'case.created', ann, {})];

    await expect(store.cases.create(caseRecord('c1'), event)).rejects.toMatchObject({ code: 'case_exists' });
    expect(await store.cases.setStatus('nope', 'resolved', madeAt, event)).toBeNull();
    expect(await store.ownership.save('c1', 0, { owner: null, epoch: 1, offer: null }, null, event)).toBe(false);
    await expect(store.approvals.create(approvalRecord('a1', 'c1'), event)).rejects.toThrow('already stored');
    expect(await store.approvals.save(approvalRecord('a1', 'c1', { version: 3 }), 2, event)).toBe(false);
    await store.cases.setStatus('c1', 'resolved', madeAt, []);
    await store.people.revoke('ann', 1_000, []);
    expect(await store.events.append([])).toEqual([]);
    // Writes that never carry events: people, documents, webhooks.
    await store.people.remember(ann, madeAt);
    await store.documents.append('c1', Uint8Array.of(1));
    await store.webhooks.recordAttempt(deliveryRecord('w1', await store.events.lastId(), 'failed'));

    expect(told).toBe(0);
    expect(await store.events.read({ limit: 10 })).toEqual([]);
  });

  it('no longer tells a listener that stopped listening', async () => {
    const store = await freshStore();
    const heard: string[] = [];
    const stop = store.events.onAppended(() => heard.push('first'));
    store.events.onAppended(() => heard.push('second'));
    await store.events.append([caseEvent(one, 'member.joined', ann, {})]);
    stop();
    await store.events.append([caseEvent(one, 'member.left', ann, {})]);
    expect(heard).toEqual(['first', 'second', 'second']);
  });
});
