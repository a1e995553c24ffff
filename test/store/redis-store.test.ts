/**
 * What only the Redis store has to prove, against the real Redis of the test run: atomicity and
 * compare-and-set across separate connections (as between hub nodes), stream ids and sequence
 * numbers under concurrency, bytes kept exactly, and failing fast when Redis is out of reach. The
 * store contract (store-*.test.ts) and the integration suite cover the rest on both stores.
 */
import { randomBytes } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { CaseroomError, type Ownership, type Person } from '@caseroom/shared';
import { createLogger, RedisStore } from '@caseroom/server';
import { createClient } from 'redis';
import { afterEach, describe, expect, it } from 'vitest';
import { caseEvent } from '../../server/src/events/EventLog.js';
import { deleteRedisKeys, testRedisUrl } from '../helpers/hub.js';
import { caseRecord } from '../helpers/records.js';

const log = createLogger('silent');
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

let prefixCounter = 0;
/** A fresh key prefix for one test, deleted afterwards. */
function freshPrefix(): string {
  const prefix = `test:redis-store:${process.pid}:${++prefixCounter}:`;
  cleanups.push(() => deleteRedisKeys(prefix));
  return prefix;
}

async function openStore(prefix: string, url = testRedisUrl): Promise<RedisStore> {
  const store = await RedisStore.connect({ url, prefix, log });
  cleanups.push(() => store.close());
  return store;
}

const agent = (i: number): Person => ({ userId: `agent-${i}`, name: `Agent ${i}`, role: 'agent' });

describe('the Redis store', () => {
  it('stores exactly one of 50 claims racing with the same expected epoch from two connections', async () => {
    const prefix = freshPrefix();
    const [one, two] = await Promise.all([openStore(prefix), openStore(prefix)]);
    await one.cases.create(caseRecord('race'), []);
    const ref = { id: 'race', team: 'billing' };
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => {
        const claimed: Ownership = { owner: agent(i), epoch: 1, offer: null };
        const line = {
          epoch: 1,
          how: 'claim' as const,
          from: null,
          to: agent(i).userId,
          by: agent(i).userId,
          at: new Date().toISOString(),
        };
        const event = caseEvent(ref, 'owner.claimed', agent(i), { epoch: 1 });
        return (i % 2 === 0 ? one : two).ownership.save('race', 0, claimed, line, [event]);
      }),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = agent(results.indexOf(true));
    expect(await two.ownership.get('race')).toEqual({ owner: winner, epoch: 1, offer: null });
    expect(await one.ownership.history('race')).toEqual([expect.objectContaining({ epoch: 1, to: winner.userId })]);
    // The losers' events were never stored: the change and its event are one step.
    const events = await one.events.forCase('race', 0, 100);
    expect(events.map((e) => [e.type, e.actor?.userId])).toEqual([['owner.claimed', winner.userId]]);
  });

  it('refuses an existing case id with case_exists, also when two connections create it at once', async () => {
    const prefix = freshPrefix();
    const [one, two] = await Promise.all([openStore(prefix), openStore(prefix)]);
    const created = await Promise.allSettled([one.cases.create(caseRecord('twice'), []), two.cases.create(caseRecord('twice'), [])]);
    expect(created.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refusal = created.find((r): r is PromiseRejectedResult => r.status === 'rejected')!.reason as CaseroomError;
    expect(refusal).toBeInstanceOf(CaseroomError);
    expect(refusal.code).toBe('case_exists');
    await expect(one.cases.create(caseRecord('twice'), [])).rejects.toMatchObject({ code: 'case_exists' });
  });

  it('gives events strictly increasing ids and each case contiguous seqs under concurrent appends', async () => {
    const prefix = freshPrefix();
    const [one, two] = await Promise.all([openStore(prefix), openStore(prefix)]);
    const cases = ['c1', 'c2', 'c3'].map((id) => ({ id, team: id === 'c3' ? 'shipping' : 'billing' }));
    expect(await one.events.lastId()).toBe('0-0');
    const appended = await Promise.all(
      Array.from({ length: 360 }, (_, i) => {
        const ref = cases[i % 3]!;
        const batch = [caseEvent(ref, 'fact.recorded', null, { n: i }), caseEvent(ref, 'step.added', null, { n: i })];
        return (i % 2 === 0 ? one : two).events.append(batch);
      }),
    );
    const last = await Promise.all(cases.map((ref) => one.events.append([caseEvent(ref, 'owner.claimed', null, {})])));
    expect(appended.flat().length + last.flat().length).toBe(723);

    const all = await one.events.read({ after: '0-0', limit: 1000 });
    expect(all).toHaveLength(723);
    for (let i = 1; i < all.length; i++) expect(one.events.compare(all[i - 1]!.id, all[i]!.id)).toBe(-1);
    expect(await two.events.lastId()).toBe(all.at(-1)!.id);
    for (const { id } of cases) {
      const ofCase = await two.events.forCase(id, 0, 1000);
      expect(ofCase.map((e) => e.seq)).toEqual(Array.from({ length: 241 }, (_, i) => i + 1));
      // A batch is one script: its two events are neighbours in its case.
      for (let i = 0; i < 240; i += 2) expect(ofCase[i + 1]!.data).toEqual(ofCase[i]!.data);
    }
    // What appendEvents answered is what was stored.
    const byId = new Map(all.map((e) => [e.id, e]));
    for (const event of [...appended, ...last].flat()) expect(byId.get(event.id)).toEqual(event);

    // Reads by team, by several cases and by type come in the same order, and page after a cursor.
    const billing = await one.events.read({ team: 'billing', types: ['step.added'], limit: 1000 });
    expect(billing).toEqual(all.filter((e) => e.caseId !== 'c3' && e.type === 'step.added'));
    const twoCases = await one.events.read({ caseIds: ['c3', 'c1'], after: all[9]!.id, limit: 25 });
    expect(twoCases).toEqual(
      all
        .slice(10)
        .filter((e) => e.caseId !== 'c2')
        .slice(0, 25),
    );
    // Rare matches deep in streams longer than one read: the merge goes on past the first chunk.
    const claims = await one.events.read({ caseIds: ['c1', 'c3'], types: ['owner.claimed'], limit: 5 });
    expect(claims).toEqual(last.flat().filter((e) => e.caseId !== 'c2'));
    expect(await one.events.forCase('c2', 238, 10)).toEqual(all.filter((e) => e.caseId === 'c2').slice(238));
  });

  it('holds each event’s body once, in the global stream: the team and case streams index it by id and seq alone', async () => {
    const prefix = freshPrefix();
    const store = await openStore(prefix);
    const cases = [
      { id: 'c1', team: 'billing' },
      { id: 'c2', team: 'billing' },
      { id: 'c3', team: 'shipping' },
    ];
    const body = { note: 'x'.repeat(500) };
    const stored = [];
    for (let i = 0; i < 30; i++) stored.push(...(await store.events.append([caseEvent(cases[i % 3]!, 'fact.recorded', null, body)])));

    const redis = createClient({ url: testRedisUrl });
    await redis.connect();
    cleanups.push(() => redis.close());
    const global = (await redis.xRange(`${prefix}events`, '-', '+')) ?? [];
    expect(global.map((e) => e.id)).toEqual(stored.map((e) => e.id));
    expect(global.every((e) => e.message.data === JSON.stringify(body))).toBe(true);
    for (const index of [`${prefix}events:team:billing`, `${prefix}events:team:shipping`, `${prefix}events:case:c1`]) {
      const entries = (await redis.xRange(index, '-', '+')) ?? [];
      expect(entries.length).toBeGreaterThan(0);
      for (const entry of entries) expect(Object.keys(entry.message)).toEqual(['s']);
    }
    expect(((await redis.xRange(`${prefix}events:case:c1`, '-', '+')) ?? []).map((e) => [e.id, e.message.s])).toEqual(
      stored.filter((e) => e.caseId === 'c1').map((e) => [e.id, String(e.seq)]),
    );
    // Of all the event keys, only the global stream grows with the bodies (500 bytes each).
    const bytes = async (key: string) => Number(await redis.memoryUsage(key));
    const perEvent = await bytes(`${prefix}events`);
    expect(perEvent).toBeGreaterThan(30 * 500);
    for (const key of [
      `${prefix}events:team:billing`,
      `${prefix}events:case:c1`,
      `${prefix}events:case:c1:ids`,
      `${prefix}events:case:c1:seq`,
    ])
      expect(await bytes(key)).toBeLessThan(10 * 500);
    // Reads fetch the bodies from the global stream, through either index.
    expect(await store.events.read({ team: 'billing', limit: 100 })).toEqual(stored.filter((e) => e.caseId !== 'c3'));
    expect(await store.events.read({ caseIds: ['c3', 'c1'], after: stored[0]!.id, limit: 100 })).toEqual(
      stored.slice(1).filter((e) => e.caseId !== 'c2'),
    );
    expect(await store.events.forCase('c2', 3, 100)).toEqual(stored.filter((e) => e.caseId === 'c2').slice(3));
  });

  it('goes on numbering a case stored by an earlier version, which kept no counter beside its seq -> id hash', async () => {
    const prefix = freshPrefix();
    const store = await openStore(prefix);
    const one = { id: 'c1', team: 'billing' };
    await store.events.append([caseEvent(one, 'member.joined', null, {}), caseEvent(one, 'owner.claimed', null, {})]);
    const redis = createClient({ url: testRedisUrl });
    await redis.connect();
    cleanups.push(() => redis.close());
    // An earlier version numbered by the hash's length.
    expect(await redis.del(`${prefix}events:case:c1:seq`)).toBe(1);
    const [third] = await store.events.append([caseEvent(one, 'step.added', null, {})]);
    expect(third!.seq).toBe(3);
    expect((await store.events.forCase('c1', 0, 10)).map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it('orders and refuses event ids like a cursor should', async () => {
    const store = await openStore(freshPrefix());
    expect(store.events.compare('1732350000000-0', '1732350000000-1')).toBe(-1);
    expect(store.events.compare('1732350000001-0', '1732350000000-9')).toBe(1);
    expect(store.events.compare('99-2', '99-2')).toBe(0);
    // Numerically, not as text.
    expect(store.events.compare('9-0', '10-0')).toBe(-1);
    expect(store.events.compare('0', '0-0')).toBe(0);
    for (const foreign of ['42', 'yesterday', '1-', '-1', '01-0', '1-2-3', '']) expect(store.events.compare(foreign, '0-0')).toBeNull();
    await expect(store.events.read({ after: 'yesterday', limit: 10 })).rejects.toMatchObject({ code: 'invalid_cursor' });
  });

  it('keeps document updates byte for byte, numbered in append order per case', async () => {
    const store = await openStore(freshPrefix());
    const everyByte = Uint8Array.from({ length: 256 }, (_, i) => i);
    const large = new Uint8Array(randomBytes(256 * 1024));
    const view = new Uint8Array(randomBytes(64)).subarray(8, 40); // a view into a larger buffer
    const seqs = await Promise.all([everyByte, large, view].map((update) => store.documents.append('doc', update)));
    expect(seqs).toEqual([1, 2, 3]);
    expect(await store.documents.append('other-doc', everyByte)).toBe(1);
    const stored = await store.documents.load('doc');
    expect(stored).toEqual({ snapshot: null, updates: [everyByte, large, view], throughSeq: 3 });
    expect(await store.documents.load('never-written')).toEqual({ snapshot: null, updates: [], throughSeq: 0 });
  });

  it('compacts: the snapshot replaces the updates it covers, and an older snapshot never replaces a newer one', async () => {
    const prefix = freshPrefix();
    const [one, two] = await Promise.all([openStore(prefix), openStore(prefix)]);
    const update = (n: number): Uint8Array => Uint8Array.of(n, 0, 255 - n);
    for (let n = 1; n <= 10; n++) await one.documents.append('doc', update(n));
    const snapshot = new Uint8Array(randomBytes(1000));
    await one.documents.compact('doc', snapshot, 6);
    expect(await two.documents.load('doc')).toEqual({ snapshot, updates: [7, 8, 9, 10].map(update), throughSeq: 10 });

    // Another node finishing an older compaction later changes nothing.
    await two.documents.compact('doc', Uint8Array.of(1, 2, 3), 4);
    expect(await one.documents.load('doc')).toEqual({ snapshot, updates: [7, 8, 9, 10].map(update), throughSeq: 10 });

    await two.documents.compact('doc', Uint8Array.of(9), 10);
    expect(await one.documents.load('doc')).toEqual({ snapshot: Uint8Array.of(9), updates: [], throughSeq: 10 });
    expect(await one.documents.append('doc', update(11))).toBe(11);
    expect(await two.documents.load('doc')).toEqual({ snapshot: Uint8Array.of(9), updates: [update(11)], throughSeq: 11 });
  });

  it('finishes the appends under way when it closes', async () => {
    const prefix = freshPrefix();
    const closing = await RedisStore.connect({ url: testRedisUrl, prefix, log });
    const appends = Array.from({ length: 200 }, (_, i) => closing.documents.append('doc', Uint8Array.of(i % 256)));
    await closing.close();
    expect(await Promise.all(appends)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    const reader = await openStore(prefix);
    expect((await reader.documents.load('doc')).updates).toHaveLength(200);
  });

  it('keeps teams whose names contain separators apart', async () => {
    const store = await openStore(freshPrefix());
    await store.cases.create(caseRecord('plain', { team: 'a' }), []);
    await store.cases.create(caseRecord('tricky', { team: 'a:team:a:open' }), []);
    const ids = async (team: string): Promise<string[]> => (await store.cases.list({ team, limit: 10 })).items.map((c) => c.id);
    expect(await ids('a')).toEqual(['plain']);
    expect(await ids('a:team:a:open')).toEqual(['tricky']);
  });
});

/**
 * A TCP hop between the store and Redis that the test can cut: closed, the port refuses like a
 * Redis that is down; frozen, connections stay up but nothing comes back, like a Redis that hangs.
 */
async function startRelay(): Promise<{ url: string; close(): Promise<void>; freeze(): void }> {
  const sockets = new Set<Socket>();
  let frozen = false;
  const server: Server = createServer((client) => {
    const upstream = connect(Number(new URL(testRedisUrl).port || 6379), new URL(testRedisUrl).hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.on('data', (chunk) => frozen || upstream.write(chunk));
    upstream.on('data', (chunk) => frozen || client.write(chunk));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const close = async (): Promise<void> => {
    for (const socket of sockets) socket.destroy();
    if (server.listening) await new Promise((resolve) => server.close(resolve));
  };
  cleanups.push(close);
  return { url: `redis://127.0.0.1:${port}`, close, freeze: () => void (frozen = true) };
}

describe('the Redis store when Redis is out of reach', () => {
  it('rejects ping and writes at once with store_unavailable when the port refuses', async () => {
    const relay = await startRelay();
    const store = await openStore(freshPrefix(), relay.url);
    await store.ping();
    await relay.close();
    const started = Date.now();
    await expect(store.ping()).rejects.toMatchObject({ code: 'store_unavailable' });
    await expect(store.documents.append('doc', Uint8Array.of(1))).rejects.toMatchObject({ code: 'store_unavailable' });
    await expect(store.cases.create(caseRecord('offline'), [])).rejects.toMatchObject({ code: 'store_unavailable' });
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('rejects ping within a second when Redis stops answering', async () => {
    const relay = await startRelay();
    const store = await openStore(freshPrefix(), relay.url);
    await store.ping();
    relay.freeze();
    const started = Date.now();
    await expect(store.ping()).rejects.toMatchObject({ code: 'store_unavailable' });
    expect(Date.now() - started).toBeLessThan(1_000);
    // Cut off for good: refused at once from now on (and the store closes without waiting).
    await relay.close();
    await expect(store.ping()).rejects.toMatchObject({ code: 'store_unavailable' });
  });
});
