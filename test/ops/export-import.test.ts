/**
 * Moving from one machine to a cluster: the cases of an embedded hub (SQLite), exported with
 * `npm run export`, imported with `npm run import` into Redis, read the same on every read a hub
 * offers. Runs in the redis project only: it needs both stores.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { CaseEvent } from '@caseroom/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { caseAsStored, livedCase, quickNotes } from '../helpers/caseHistory.js';
import { connectAs } from '../helpers/clients.js';
import { api } from '../helpers/http.js';
import { forgetRedisKeys, mintToken, redisEnv, startTestHub, tempDataDir, testRedisUrl, type TestHub } from '../helpers/hub.js';
import { runTool } from '../helpers/operatorTools.js';
import { mallory, sue } from '../helpers/people.js';
import { webhookRecord } from '../helpers/records.js';
import { openStore } from '../helpers/store.js';
import type { CaseStore } from '@caseroom/server';

const hubs: TestHub[] = [];
const stores: CaseStore[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const hub of hubs.splice(0).reverse()) await hub.stop();
  for (const dir of dirs.splice(0)) {
    rmSync(dir, { recursive: true, force: true });
    await forgetRedisKeys(dir);
  }
});

/** Everything but a case's: the directory, revocations, webhooks, listings, the team feed (event ids left out). */
async function storeWide(store: CaseStore) {
  const withoutIds = (events: CaseEvent[]) => events.map(({ id: _id, ...event }) => event);
  return {
    people: await store.people.everyone(),
    billing: await store.people.list('billing'),
    revocations: [...(await store.people.revocations())].sort(),
    webhooks: await store.webhooks.list(),
    cases: (await store.cases.list({ limit: 100 })).items,
    waiting: (await store.cases.list({ sort: 'waiting', limit: 100 })).items,
    reviewed: (await store.approvals.list({ reviewed: true, limit: 100 })).items,
    teamFeed: withoutIds(await store.events.read({ caseIds: ['team:billing'], limit: 1000 })),
  };
}

async function caseOverHttp(hub: TestHub, caseId: string): Promise<unknown> {
  const token = await mintToken(sue);
  const read = async (path: string) => {
    const answer = await api(hub.url, path, { token });
    expect(answer.status).toBe(200);
    return answer.body;
  };
  return {
    case: await read(`/api/cases/${caseId}`),
    approvals: await read(`/api/cases/${caseId}/approvals`),
    messages: await read(`/api/cases/${caseId}/messages`),
  };
}

describe('export from an embedded hub, import into Redis', () => {
  it('gives the same cases on every read, with each case’s events in their order', async () => {
    const sqliteDir = tempDataDir();
    dirs.push(sqliteDir);
    const source = await startTestHub({ ...quickNotes, REDIS_URL: '' }, sqliteDir);
    hubs.push(source);
    expect(source.store.kind).toBe('sqlite');
    const caseIds = [await livedCase(source, 'moved-1'), await livedCase(source, 'moved-2'), await source.createCase({ id: 'moved-3' })];
    await connectAs(source.url, mallory);
    const revoked = await api(source.url, '/api/users/mallory/revoke', { token: await mintToken(sue), body: {} });
    expect(revoked.status).toBe(200);
    await source.store.webhooks.create(webhookRecord('crm-sync'));

    const file = join(sqliteDir, 'cases.ndjson');
    const exported = await runTool('export', ['--out', file], { DATA_DIR: sqliteDir, REDIS_URL: '' });
    expect(exported.code).toBe(0);
    expect(exported.stderr).toMatch(
      /exported 5 people, 1 revocation, 3 cases, 2 documents, 2 ownerships, 2 approvals, 6 messages, 2 floors, \d+ events, 1 webhook/,
    );
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(JSON.parse(lines[0]!)).toMatchObject({ format: 'caseroom-export', version: 1, store: 'sqlite' });
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ type: 'end' });
    // Webhook secrets travel: receivers keep checking signatures after the move.
    expect(lines.some((line) => line.includes('"secret":"secret-of-crm-sync"'))).toBe(true);

    const redisDir = tempDataDir();
    dirs.push(redisDir);
    const target = {
      REDIS_URL: testRedisUrl,
      CASEROOM_REDIS_PREFIX: redisEnv(redisDir).CASEROOM_REDIS_PREFIX ?? `test:import:${process.pid}:`,
    };
    const imported = await runTool('import', [], target, readFileSync(file, 'utf8'));
    expect(imported.stderr).not.toMatch(/failed/);
    expect(imported.code).toBe(0);
    expect(imported.stdout).toMatch(/imported .* 3 cases/);

    const redis = await openStore(redisDir);
    stores.push(redis);
    expect(redis.kind).toBe('redis');
    for (const caseId of caseIds) {
      const moved = await caseAsStored(redis, caseId);
      expect(moved).toEqual(await caseAsStored(source.store, caseId));
    }
    const lived = await caseAsStored(redis, 'moved-1');
    expect(lived.history.length).toBe(2);
    expect(lived.approvals[0]?.review?.verdict).toBe('upheld');
    expect(lived.messages.map((m) => m.delivery?.status ?? null)).toEqual([null, 'delivered', null]);
    expect(lived.floor?.holder.userId).toBe('sam');
    expect(lived.deadlines).toHaveLength(1);
    expect(lived.record?.waitingSince).not.toBeNull();
    expect(await storeWide(redis)).toEqual(await storeWide(source.store));
    // Imported events are past: a webhook starts after them.
    expect(await redis.webhooks.cursor('crm-sync')).toBe(await redis.events.lastId());

    // A hub on the Redis store shows what the embedded one showed.
    const cluster = await startTestHub({}, redisDir);
    hubs.push(cluster);
    expect(cluster.store.kind).toBe('redis');
    for (const caseId of caseIds) expect(await caseOverHttp(cluster, caseId)).toEqual(await caseOverHttp(source, caseId));

    // The same stream again would write over those cases: refused.
    const again = await runTool('import', ['--in', file], target);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(
      /^import failed: the target store is not empty of this stream: 3 case\(s\) already there \(moved-3, moved-2, moved-1\)/,
    );
    expect(again.stderr).toMatch(/1 webhook\(s\) already there \(crm-sync\)/);
  });
});
