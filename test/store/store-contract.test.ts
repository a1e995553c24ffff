/**
 * One contract for every store: the same calls give the same results and the same errors on the
 * embedded SQLite store and on Redis (this file runs in both projects, each on its own store).
 * The hub's planes rely on exactly this; what only one backend has to prove lives beside it
 * (redis-store.test.ts, sqlite-checkpoint.test.ts).
 */
import { rmSync } from 'node:fs';
import { unowned, type Approval, type CaseRecord, type Ownership, type Person } from '@caseroom/shared';
import { createLogger, RedisStore, SqliteStore, type CaseStore } from '@caseroom/server';
import { afterEach, describe, expect, it } from 'vitest';
import { caseEvent } from '../../server/src/events/EventLog.js';
import { redisEnv, forgetRedisKeys, tempDataDir, testRedisUrl, testStore } from '../helpers/hub.js';

const stores: Array<{ store: CaseStore; dataDir: string }> = [];
afterEach(async () => {
  for (const { store, dataDir } of stores.splice(0)) {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
    await forgetRedisKeys(dataDir);
  }
});

/** A fresh, empty store of the kind this project runs on. */
async function freshStore(): Promise<CaseStore> {
  const dataDir = tempDataDir();
  const store =
    testStore === 'redis'
      ? await RedisStore.connect({ url: testRedisUrl, prefix: redisEnv(dataDir).CASEROOM_REDIS_PREFIX!, log: createLogger('silent') })
      : new SqliteStore({ dataDir, synchronous: 'normal' });
  stores.push({ store, dataDir });
  return store;
}

const at = '2026-11-23T10:00:00.000Z';
const ann: Person = { userId: 'ann', name: 'Ann', role: 'agent' };

function caseRecord(id: string, team = 'billing'): CaseRecord {
  return { id, subject: 'Charged twice', team, status: 'open', customer: null, createdAt: at, createdBy: 'sue', updatedAt: at };
}

function approval(id: string, caseId: string): Approval {
  return {
    id,
    caseId,
    team: 'billing',
    kind: 'refund',
    summary: 'Refund 49.00',
    amount: 49,
    currency: 'EUR',
    customerProposal: null,
    policyRef: null,
    requestedBy: ann,
    requestedAt: at,
    expiresAt: '2026-11-23T10:15:00.000Z',
    rule: { approvals: 1, supervisorSuffices: true },
    status: 'pending',
    decisions: [],
    closedAt: null,
    review: null,
    version: 1,
  };
}

describe(`the ${testStore} store keeps the contract`, () => {
  it('creates a case once, with its event; a second case with the same id is case_exists', async () => {
    const store = await freshStore();
    await store.cases.create(caseRecord('c1'), [caseEvent({ id: 'c1', team: 'billing' }, 'case.created', ann, {})]);
    await expect(store.cases.create(caseRecord('c1'), [])).rejects.toMatchObject({ code: 'case_exists' });
    expect(await store.cases.get('c1')).toEqual(caseRecord('c1'));
    expect(await store.cases.get('nope')).toBeNull();
    expect((await store.cases.list({ team: 'billing', limit: 10 })).items.map((c) => c.id)).toEqual(['c1']);
    expect((await store.events.forCase('c1', 0, 10)).map((e) => [e.seq, e.type])).toEqual([[1, 'case.created']]);
  });

  it('stores ownership by compare-and-set on the epoch: of two changes from the same epoch, one wins', async () => {
    const store = await freshStore();
    await store.cases.create(caseRecord('c1'), []);
    expect(await store.ownership.get('c1')).toEqual(unowned);
    const claimed: Ownership = { owner: ann, epoch: 1, offer: null };
    const record = { epoch: 1, how: 'claim' as const, from: null, to: 'ann', by: 'ann', at };
    expect(await store.ownership.save('c1', 0, claimed, record, [])).toBe(true);
    expect(await store.ownership.save('c1', 0, { ...claimed, owner: { ...ann, userId: 'bob' } }, null, [])).toBe(false);
    expect(await store.ownership.get('c1')).toEqual(claimed);
    expect(await store.ownership.history('c1')).toEqual([record]);
  });

  it('stores an approval once and changes it by compare-and-set on its version', async () => {
    const store = await freshStore();
    await store.cases.create(caseRecord('c1'), []);
    await store.approvals.create(approval('a1', 'c1'), []);
    // Ids are the hub's own: a second one with the same id is a fault, the same on every store.
    await expect(store.approvals.create(approval('a1', 'c1'), [])).rejects.toThrow('approval a1 is already stored');
    const cancelled = { ...approval('a1', 'c1'), status: 'cancelled' as const, closedAt: at, version: 2 };
    expect(await store.approvals.save(cancelled, 1, [])).toBe(true);
    expect(await store.approvals.save({ ...cancelled, version: 3 }, 1, [])).toBe(false);
    expect(await store.approvals.get('a1')).toEqual(cancelled);
    expect((await store.approvals.list({ caseId: 'c1', limit: 10 })).items.map((a) => a.id)).toEqual(['a1']);
  });

  it('numbers each case’s events from 1 in the order they were appended, and reads them by team and type', async () => {
    const store = await freshStore();
    await store.cases.create(caseRecord('c1'), []);
    await store.cases.create(caseRecord('c2', 'shipping'), []);
    const one = { id: 'c1', team: 'billing' };
    const two = { id: 'c2', team: 'shipping' };
    await store.events.append([caseEvent(one, 'member.joined', ann, {}), caseEvent(two, 'member.joined', ann, {})]);
    await store.events.append([caseEvent(one, 'owner.claimed', ann, {})]);
    expect((await store.events.forCase('c1', 0, 10)).map((e) => [e.seq, e.type])).toEqual([
      [1, 'member.joined'],
      [2, 'owner.claimed'],
    ]);
    expect((await store.events.forCase('c1', 1, 10)).map((e) => e.seq)).toEqual([2]);
    const billing = await store.events.read({ team: 'billing', limit: 10 });
    expect(billing.map((e) => e.caseId)).toEqual(['c1', 'c1']);
    expect((await store.events.read({ types: ['owner.claimed'], limit: 10 })).map((e) => e.caseId)).toEqual(['c1']);
    expect(store.events.compare(billing[0]!.id, billing[1]!.id)).toBeLessThan(0);
    expect(store.events.compare('not an id', billing[0]!.id)).toBeNull();
  });

  it('keeps a document’s updates in order, and a compaction keeps every one of them', async () => {
    const store = await freshStore();
    const seqs = [await store.documents.append('c1', Uint8Array.of(1)), await store.documents.append('c1', Uint8Array.of(2))];
    expect(seqs[1]!).toBeGreaterThan(seqs[0]!);
    expect((await store.documents.load('c1')).updates).toEqual([Uint8Array.of(1), Uint8Array.of(2)]);
    await store.documents.compact('c1', Uint8Array.of(9), seqs[0]!);
    const stored = await store.documents.load('c1');
    expect(stored.snapshot).toEqual(Uint8Array.of(9));
    expect(stored.updates).toEqual([Uint8Array.of(2)]);
    expect(stored.throughSeq).toBe(seqs[1]);
  });

  it('remembers people, and keeps the later of two revocations with their events', async () => {
    const store = await freshStore();
    await store.people.remember({ userId: 'ann', name: 'Ann', role: 'agent', team: 'billing' }, at);
    expect(await store.people.get('ann')).toEqual({ userId: 'ann', name: 'Ann', role: 'agent', team: 'billing' });
    expect(await store.people.get('nobody')).toBeNull();
    const feed = { id: 'team:billing', team: 'billing' };
    await store.people.revoke('ann', 2_000, [caseEvent(feed, 'person.revoked', null, { userId: 'ann' })]);
    await store.people.revoke('ann', 1_000, []);
    expect(await store.people.revocations()).toEqual(new Map([['ann', 2_000]]));
    expect((await store.events.read({ types: ['person.revoked'], limit: 10 })).map((e) => e.data)).toEqual([{ userId: 'ann' }]);
  });

  it('answers a ping', async () => {
    const store = await freshStore();
    await expect(store.ping()).resolves.toBeUndefined();
  });
});
