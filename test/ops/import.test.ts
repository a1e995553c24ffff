/**
 * Importing a portable export into a store of this run's kind: the round trip keeps every case
 * as it was, and a stream that is not whole and valid is refused before anything is written.
 */
import { rmSync } from 'node:fs';
import type { CaseStore } from '@caseroom/server';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { exportCases } from '../../server/src/store/portable/exportCases.js';
import { importCases } from '../../server/src/store/portable/importCases.js';
import { personOf } from '../../server/src/events/EventLog.js';
import { caseAsStored } from '../helpers/caseHistory.js';
import { forgetRedisKeys, redisEnv, tempDataDir, testRedisUrl, testStore } from '../helpers/hub.js';
import { runTool } from '../helpers/operatorTools.js';
import { amy, ann } from '../helpers/people.js';
import { approvalRecord, caseRecord, madeAt, minutesLater } from '../helpers/records.js';
import { freshStore, openStore } from '../helpers/store.js';

/** A store with two cases: events, an owner with history, an approval, messages, a document. */
async function storeWithCases(): Promise<CaseStore> {
  const store = await freshStore();
  for (const id of ['c1', 'c2']) {
    const event = (type: 'case.created' | 'owner.claimed', at: string) => ({
      caseId: id,
      team: 'billing',
      type,
      at,
      actor: personOf(ann),
      data: {},
    });
    await store.cases.create(caseRecord(id), [event('case.created', madeAt)]);
    const owned = { owner: personOf(ann), epoch: 1, offer: null };
    const line = { epoch: 1, how: 'claim' as const, from: null, to: 'ann', by: 'ann', at: minutesLater(1) };
    expect(await store.ownership.save(id, 0, owned, line, [event('owner.claimed', minutesLater(1))])).toBe(true);
    await store.approvals.create(approvalRecord(`${id}-refund`, id), []);
    await store.documents.append(id, new Uint8Array([0, 0]));
  }
  await store.people.remember(ann, madeAt);
  await store.people.remember(amy, madeAt);
  return store;
}

async function exported(store: CaseStore): Promise<string[]> {
  const lines: string[] = [];
  await exportCases(store, async (line) => void lines.push(line));
  return lines;
}

const linesOf = (lines: readonly string[]) => () =>
  (async function* () {
    yield* lines;
  })();

/** Nothing of the stream reached the store. */
async function expectUntouched(store: CaseStore): Promise<void> {
  expect((await store.cases.list({ limit: 10 })).items).toEqual([]);
  expect(await store.people.everyone()).toEqual([]);
  expect(await store.events.read({ limit: 10 })).toEqual([]);
}

describe('importing an export', () => {
  it('keeps every case as it was, each event with its seq', async () => {
    const source = await storeWithCases();
    const target = await freshStore();
    const counts = await importCases(target, linesOf(await exported(source)));
    expect(counts).toMatchObject({ case: 2, ownership: 2, approval: 2, event: 4, person: 2 });
    for (const caseId of ['c1', 'c2']) expect(await caseAsStored(target, caseId)).toEqual(await caseAsStored(source, caseId));
    expect((await target.events.forCase('c2', 0, 10)).map((e) => [e.seq, e.type])).toEqual([
      [1, 'case.created'],
      [2, 'owner.claimed'],
    ]);
  });

  it('keeps the numbers of a case whose first events retention trimmed, and numbers its next event after them', async () => {
    const source = await freshStore();
    const event = (caseId: string, type: 'case.created' | 'owner.claimed' | 'member.joined') => ({
      caseId,
      team: 'billing',
      type,
      at: new Date().toISOString(),
      actor: personOf(ann),
      data: {},
    });
    // c1 loses its first two events to retention and keeps its third; c3 loses all it has; c2 is made after the trim.
    await source.cases.create(caseRecord('c1'), [event('c1', 'case.created')]);
    await source.events.append([event('c1', 'owner.claimed')]);
    await source.cases.create(caseRecord('c3'), [event('c3', 'case.created')]);
    await source.events.append([event('c3', 'owner.claimed')]);
    expect(await source.events.trim(Date.now() + 60_000, 100)).toBe(4);
    await source.events.append([event('c1', 'member.joined')]);
    await source.cases.create(caseRecord('c2'), [event('c2', 'case.created')]);

    const lines = await exported(source);
    const trimmedRecords = lines.filter((line) => line.includes('"type":"trimmed"')).map((line) => JSON.parse(line) as unknown);
    expect(trimmedRecords).toHaveLength(2);
    expect(trimmedRecords).toEqual(
      expect.arrayContaining([
        { type: 'trimmed', caseId: 'c1', through: 2 },
        { type: 'trimmed', caseId: 'c3', through: 2 },
      ]),
    );
    const target = await freshStore();
    await importCases(target, linesOf(lines));
    expect((await target.events.forCase('c1', 2, 10)).map((e) => [e.seq, e.type])).toEqual([[3, 'member.joined']]);
    expect((await target.events.forCase('c2', 0, 10)).map((e) => [e.seq, e.type])).toEqual([[1, 'case.created']]);
    await expect(target.events.forCase('c1', 0, 10)).rejects.toMatchObject({ code: 'cursor_expired', details: { oldest: 2 } });
    const [next] = await target.events.append([event('c3', 'member.joined')]);
    expect(next!.seq).toBe(3);
  });

  it('refuses events of a case that a trimmed record does not account for', async () => {
    const source = await storeWithCases();
    const lines = (await exported(source)).filter((line) => !(line.includes('"type":"event"') && line.includes('"seq":1,')));
    const end = JSON.parse(lines.at(-1)!) as { counts: Record<string, number> };
    lines[lines.length - 1] = JSON.stringify({ ...end, counts: { ...end.counts, event: end.counts.event! - 2 } });
    const target = await freshStore();
    await expect(importCases(target, linesOf(lines))).rejects.toThrow(/event 2 of case c1 where 1 was expected \(events missing\)/);
    await expectUntouched(target);
  });

  it('refuses a document that is not a Yjs update, or breaks the case document, writing nothing', async () => {
    const lines = await exported(await storeWithCases());
    const broken = new Y.Doc();
    broken.getArray('steps').push(['not a step']);
    for (const [state, why] of [
      [Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]).toString('base64'), /line \d+: the document of case c\d is not a Yjs update/],
      [
        Buffer.from(Y.encodeStateAsUpdate(broken)).toString('base64'),
        /line \d+: the document of case c\d breaks the case document \(steps\[0\]/,
      ],
    ] as const) {
      const bad = lines.map((line) => (line.includes('"type":"document"') ? JSON.stringify({ ...JSON.parse(line), state }) : line));
      const target = await freshStore();
      await expect(importCases(target, linesOf(bad))).rejects.toThrow(why);
      await expectUntouched(target);
    }
  });

  it('fails an export that retention trims under, rather than leave a gap', async () => {
    const source = await storeWithCases();
    // A retention pass that runs once the export has taken the start of the event log.
    const events = source.events;
    const trimmingAfterStart = new Proxy(events, {
      get(target, key) {
        if (key !== 'oldest') return Reflect.get(target, key, target) as unknown;
        return async () => {
          const oldest = await target.oldest();
          await target.trim(Date.now() + 60_000, 1);
          return oldest;
        };
      },
    });
    const store = new Proxy(source, { get: (target, key) => (key === 'events' ? trimmingAfterStart : Reflect.get(target, key, target)) });
    await expect(exported(store)).rejects.toThrow(/the retention pass removed events while they were exported/);
  });

  it('refuses a stream of another format or version, or none, before writing anything', async () => {
    const lines = await exported(await storeWithCases());
    const target = await freshStore();
    const header = JSON.parse(lines[0]!) as Record<string, unknown>;
    const refusals: [string[], RegExp][] = [
      [
        [JSON.stringify({ ...header, format: 'yjs-dump' }), ...lines.slice(1)],
        /line 1 is not a caseroom-export header \(format: "yjs-dump"\)/,
      ],
      [[JSON.stringify({ ...header, version: 2 }), ...lines.slice(1)], /version 2; this caseroom reads version 1/],
      [['PK\u0003\u0004', ...lines.slice(1)], /line 1 is not JSON/],
      [[], /the stream is empty/],
    ];
    for (const [stream, message] of refusals) {
      await expect(importCases(target, linesOf(stream))).rejects.toThrow(message);
      await expectUntouched(target);
    }
  });

  it('refuses a bad line anywhere, or a stream cut short, naming why, and writes nothing', async () => {
    const lines = await exported(await storeWithCases());
    const target = await freshStore();
    const lastEvent = lines.map((line) => line.includes('"type":"event"')).lastIndexOf(true);
    const badSeq = lines.map((line, i) => (i === lastEvent ? line.replace(/"seq":\d+/, '"seq":"two"') : line));
    await expect(importCases(target, linesOf(badSeq))).rejects.toThrow(`line ${lastEvent + 1} is not a valid record: event.seq:`);
    await expectUntouched(target);

    const notJson = lines.map((line, i) => (i === lastEvent ? line.slice(0, 20) : line));
    await expect(importCases(target, linesOf(notJson))).rejects.toThrow(`line ${lastEvent + 1} is not JSON`);
    await expect(importCases(target, linesOf(lines.slice(0, -1)))).rejects.toThrow(/ends before its "end" record: it was cut short/);
    const gap = lines.filter((line) => !line.includes('"type":"case.created"'));
    await expect(importCases(target, linesOf(gap))).rejects.toThrow(/count does not match|where 1 was expected/);
    await expectUntouched(target);
  });

  it('refuses a bad line through npm run import, with exit code 1 and nothing written', async () => {
    const lines = await exported(await storeWithCases());
    const dataDir = tempDataDir();
    try {
      const env: Record<string, string> =
        testStore === 'redis'
          ? { REDIS_URL: testRedisUrl, CASEROOM_REDIS_PREFIX: redisEnv(dataDir).CASEROOM_REDIS_PREFIX! }
          : { DATA_DIR: dataDir, REDIS_URL: '' };
      const broken = [...lines.slice(0, 3), '{"type":"case","record":{"id":"no good"}}', ...lines.slice(3)];
      const refused = await runTool('import', [], env, `${broken.join('\n')}\n`);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^import failed: line 4 is not a valid record: record\./);
      const target = await openStore(dataDir);
      try {
        await expectUntouched(target);
      } finally {
        await target.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
      await forgetRedisKeys(dataDir);
    }
  });
});
