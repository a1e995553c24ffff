/**
 * One contract for every store: the same calls give the same results and the same errors on the
 * embedded SQLite store and on Redis (each store-*.test.ts file runs in both projects, each on its
 * own store). This file holds the records: cases, ownership, approvals, people. The hub's planes
 * rely on exactly this; what only one backend has to prove lives beside it (redis-store.test.ts,
 * sqlite-checkpoint.test.ts).
 */
import { unowned, type Ownership, type OwnershipRecord } from '@caseroom/shared';
import { describe, expect, it } from 'vitest';
import { caseEvent, personOf } from '../../server/src/events/EventLog.js';
import { testStore } from '../helpers/hub.js';
import { amy, ann } from '../helpers/people.js';
import { approvalRecord, caseRecord, madeAt, minutesLater } from '../helpers/records.js';
import { freshStore, secondConnection } from '../helpers/store.js';

const billing = (id: string) => ({ id, team: 'billing' });

/** A claim of a never-owned case, as the ownership machine decides it. */
function claim(userId: string): { next: Ownership; record: OwnershipRecord } {
  const owner = personOf(userId === 'amy' ? amy : ann);
  return {
    next: { owner, epoch: 1, offer: null },
    record: { epoch: 1, how: 'claim', from: null, to: userId, by: userId, at: madeAt },
  };
}

async function ids(page: Promise<{ items: Array<{ id: string }> }>): Promise<string[]> {
  return (await page).items.map((item) => item.id);
}

describe(`the ${testStore} store keeps the contract for cases`, () => {
  it('creates a case once, with its event; a second case with the same id is case_exists', async () => {
    const store = await freshStore();
    await store.cases.create(caseRecord('c1'), [caseEvent(billing('c1'), 'case.created', ann, {})]);
    await expect(store.cases.create(caseRecord('c1'), [])).rejects.toMatchObject({ code: 'case_exists' });
    expect(await store.cases.get('c1')).toEqual(caseRecord('c1'));
    expect(await store.cases.get('nope')).toBeNull();
    expect(await ids(store.cases.list({ team: 'billing', limit: 10 }))).toEqual(['c1']);
    expect((await store.events.forCase('c1', 0, 10)).map((e) => [e.seq, e.type])).toEqual([[1, 'case.created']]);
  });

  it('lists cases newest first, ties broken by id, by team and status, page by page', async () => {
    const store = await freshStore();
    await store.cases.create(caseRecord('b', { createdAt: minutesLater(1) }), []);
    await store.cases.create(caseRecord('a', { createdAt: minutesLater(1) }), []);
    await store.cases.create(caseRecord('c', { createdAt: minutesLater(2), team: 'shipping' }), []);
    await store.cases.create(caseRecord('d'), []);
    await store.cases.setStatus('a', 'resolved', minutesLater(5), []);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.cases.list({ limit: 1, cursor });
      seen.push(...page.items.map((c) => c.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(['c', 'b', 'a', 'd']);
    expect(await ids(store.cases.list({ team: 'billing', limit: 10 }))).toEqual(['b', 'a', 'd']);
    expect(await ids(store.cases.list({ team: 'billing', status: 'open', limit: 10 }))).toEqual(['b', 'd']);
    expect((await store.cases.list({ status: 'resolved', limit: 10 })).items).toEqual([
      caseRecord('a', { createdAt: minutesLater(1), status: 'resolved', updatedAt: minutesLater(5) }),
    ]);
  });

  it('changes a case’s status with its event, and stores nothing for an unknown case', async () => {
    const store = await freshStore();
    await store.cases.create(caseRecord('c1'), []);
    const changed = await store.cases.setStatus('c1', 'resolved', minutesLater(3), [
      caseEvent(billing('c1'), 'case.status_changed', ann, {}),
    ]);
    expect(changed).toEqual(caseRecord('c1', { status: 'resolved', updatedAt: minutesLater(3) }));
    expect(await store.cases.get('c1')).toEqual(changed);
    expect(
      await store.cases.setStatus('nope', 'resolved', minutesLater(3), [caseEvent(billing('nope'), 'case.status_changed', ann, {})]),
    ).toBeNull();
    expect(await store.cases.get('nope')).toBeNull();
    expect((await store.events.read({ limit: 10 })).map((e) => e.caseId)).toEqual(['c1']);
  });

  it('refuses a page cursor it did not hand out with invalid_payload', async () => {
    const store = await freshStore();
    const foreign = ['not a cursor', Buffer.from('["only one part"]').toString('base64url'), Buffer.from('{}').toString('base64url')];
    for (const cursor of foreign) {
      await expect(store.cases.list({ limit: 10, cursor })).rejects.toMatchObject({ code: 'invalid_payload' });
      await expect(store.approvals.list({ limit: 10, cursor })).rejects.toMatchObject({ code: 'invalid_payload' });
    }
  });
});

describe(`the ${testStore} store keeps the contract for ownership`, () => {
  it('stores ownership by compare-and-set on the epoch: of two changes from the same epoch, one wins', async () => {
    const store = await freshStore();
    await store.cases.create(caseRecord('c1'), []);
    expect(await store.ownership.get('c1')).toEqual(unowned);
    const { next, record } = claim('ann');
    expect(await store.ownership.save('c1', 0, next, record, [])).toBe(true);
    expect(await store.ownership.save('c1', 0, claim('amy').next, null, [])).toBe(false);
    expect(await store.ownership.get('c1')).toEqual(next);
    expect(await store.ownership.history('c1')).toEqual([record]);
  });

  it('gives a never-owned case to exactly one of two first changes racing from two connections', async () => {
    const one = await freshStore();
    const two = await secondConnection(one);
    await one.cases.create(caseRecord('c1'), []);
    const heard: string[] = [];
    one.events.onAppended(() => heard.push('one'));
    two.events.onAppended(() => heard.push('two'));
    const [byAnn, byAmy] = [claim('ann'), claim('amy')];
    const saved = await Promise.all([
      one.ownership.save('c1', 0, byAnn.next, byAnn.record, [caseEvent(billing('c1'), 'owner.claimed', ann, {})]),
      two.ownership.save('c1', 0, byAmy.next, byAmy.record, [caseEvent(billing('c1'), 'owner.claimed', amy, {})]),
    ]);
    expect(saved.filter(Boolean)).toHaveLength(1);
    const winner = saved[0] ? byAnn : byAmy;
    expect(await two.ownership.get('c1')).toEqual(winner.next);
    expect(await one.ownership.history('c1')).toEqual([winner.record]);
    // The loser's event was never stored, and only the winner's store told its readers.
    expect((await one.events.forCase('c1', 0, 10)).map((e) => e.actor?.userId)).toEqual([winner.record.to]);
    expect(heard).toEqual([saved[0] ? 'one' : 'two']);
  });

  it('moves on from a stored epoch only from that very epoch', async () => {
    const store = await freshStore();
    await store.cases.create(caseRecord('c1'), []);
    const { next, record } = claim('ann');
    await store.ownership.save('c1', 0, next, record, []);
    const released: Ownership = { owner: null, epoch: 2, offer: null };
    expect(await store.ownership.save('c1', 2, released, null, [])).toBe(false);
    expect(await store.ownership.save('c1', 1, released, null, [])).toBe(true);
    expect(await store.ownership.save('c1', 1, { ...released, epoch: 3 }, null, [])).toBe(false);
    expect(await store.ownership.get('c1')).toEqual(released);
    // A case never changed has nothing stored: only a change from epoch 0 applies to it.
    expect(await store.ownership.save('c2', 1, released, null, [])).toBe(false);
    expect(await store.ownership.get('c2')).toEqual(unowned);
    expect(await store.ownership.history('c2')).toEqual([]);
  });
});

describe(`the ${testStore} store keeps the contract for approvals`, () => {
  it('stores an approval once and changes it by compare-and-set on its version', async () => {
    const store = await freshStore();
    await store.cases.create(caseRecord('c1'), []);
    await store.approvals.create(approvalRecord('a1', 'c1'), []);
    // Ids are the hub's own: a second one with the same id is a fault, the same on every store.
    await expect(store.approvals.create(approvalRecord('a1', 'c1'), [])).rejects.toThrow('approval a1 is already stored');
    const cancelled = approvalRecord('a1', 'c1', { status: 'cancelled', closedAt: madeAt, version: 2 });
    expect(await store.approvals.save(cancelled, 1, [])).toBe(true);
    expect(await store.approvals.save({ ...cancelled, version: 3 }, 1, [])).toBe(false);
    expect(await store.approvals.save(approvalRecord('never-stored', 'c1', { version: 2 }), 1, [])).toBe(false);
    expect(await store.approvals.get('a1')).toEqual(cancelled);
    expect(await store.approvals.get('never-stored')).toBeNull();
  });

  it('lists requests oldest first by case, team, status and review, page by page', async () => {
    const store = await freshStore();
    const review = { by: personOf(ann), verdict: 'upheld' as const, note: 'fine', at: minutesLater(9) };
    const approvals = [
      approvalRecord('a2', 'c1', { requestedAt: minutesLater(1) }),
      approvalRecord('a1', 'c1', { requestedAt: minutesLater(1), status: 'approved' }),
      approvalRecord('a3', 'c2', { requestedAt: minutesLater(2), status: 'approved', review }),
      approvalRecord('a4', 'c3', { requestedAt: minutesLater(3), team: 'shipping' }),
    ];
    for (const approval of approvals) await store.approvals.create(approval, []);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.approvals.list({ limit: 1, cursor });
      seen.push(...page.items.map((a) => a.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(['a1', 'a2', 'a3', 'a4']);
    expect(await ids(store.approvals.list({ caseId: 'c1', limit: 10 }))).toEqual(['a1', 'a2']);
    expect(await ids(store.approvals.list({ team: 'billing', statuses: ['pending'], limit: 10 }))).toEqual(['a2']);
    expect(await ids(store.approvals.list({ statuses: ['approved'], reviewed: false, limit: 10 }))).toEqual(['a1']);
    expect(await ids(store.approvals.list({ statuses: ['approved'], reviewed: true, limit: 10 }))).toEqual(['a3']);
    expect(await ids(store.approvals.list({ statuses: [], limit: 10 }))).toEqual([]);
  });

  it('finds pending requests that are due, soonest first, and the next expiry', async () => {
    const store = await freshStore();
    expect(await store.approvals.nextExpiry()).toBeNull();
    await store.approvals.create(approvalRecord('late', 'c1', { expiresAt: minutesLater(30) }), []);
    await store.approvals.create(approvalRecord('soon', 'c1', { expiresAt: minutesLater(10) }), []);
    await store.approvals.create(approvalRecord('soonest', 'c1', { expiresAt: minutesLater(5) }), []);
    expect(await store.approvals.nextExpiry()).toBe(minutesLater(5));
    expect((await store.approvals.due(minutesLater(10), 10)).map((a) => a.id)).toEqual(['soonest', 'soon']);
    expect((await store.approvals.due(minutesLater(60), 1)).map((a) => a.id)).toEqual(['soonest']);
    // A request that left `pending` is no longer due.
    await store.approvals.save(approvalRecord('soonest', 'c1', { expiresAt: minutesLater(5), status: 'cancelled', version: 2 }), 1, []);
    expect((await store.approvals.due(minutesLater(10), 10)).map((a) => a.id)).toEqual(['soon']);
    expect(await store.approvals.nextExpiry()).toBe(minutesLater(10));
  });
});

describe(`the ${testStore} store keeps the contract for people`, () => {
  it('remembers people, the latest sign-in winning', async () => {
    const store = await freshStore();
    await store.people.remember(ann, madeAt);
    expect(await store.people.get('ann')).toEqual(ann);
    await store.people.remember({ ...ann, team: 'shipping' }, minutesLater(1));
    expect(await store.people.get('ann')).toEqual({ ...ann, team: 'shipping' });
    expect(await store.people.get('nobody')).toBeNull();
  });

  it('keeps the later of two revocations, with their events', async () => {
    const store = await freshStore();
    const feed = { id: 'team:billing', team: 'billing' };
    expect(await store.people.revocations()).toEqual(new Map());
    await store.people.revoke('ann', 2_000, [caseEvent(feed, 'person.revoked', null, { userId: 'ann' })]);
    await store.people.revoke('ann', 1_000, []);
    await store.people.revoke('amy', 500, []);
    expect(await store.people.revocations()).toEqual(
      new Map([
        ['ann', 2_000],
        ['amy', 500],
      ]),
    );
    expect((await store.events.read({ types: ['person.revoked'], limit: 10 })).map((e) => e.data)).toEqual([{ userId: 'ann' }]);
  });

  it('answers a ping', async () => {
    const store = await freshStore();
    await expect(store.ping()).resolves.toBeUndefined();
  });
});
