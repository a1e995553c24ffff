/**
 * Stores opened by tests, bypassing any hub: the same store implementation a hub of this run uses
 * (SQLite file in its data dir, or Redis under its key prefix), on its own connection — safe next
 * to a running hub, or after it stopped or was killed. Reads what a hub's store holds, and gives
 * the store contract tests fresh stores, closed and deleted after each test.
 */
import { rmSync } from 'node:fs';
import { createLogger, RedisStore, SqliteStore, type CaseStore } from '@caseroom/server';
import { afterEach } from 'vitest';
import * as Y from 'yjs';
import { forgetRedisKeys, redisEnv, tempDataDir, testRedisUrl, testStore } from './hub.js';

export interface StoredRows {
  /** logged updates of the case not yet folded into a snapshot */
  updates: number;
  /** whether the store holds a snapshot of the case */
  snapshot: boolean;
}

/** Opens the store a hub of this run keeps in `dataDir`, on a connection of its own. */
export async function openStore(dataDir: string): Promise<CaseStore> {
  return testStore === 'redis'
    ? RedisStore.connect({ url: testRedisUrl, prefix: redisEnv(dataDir).CASEROOM_REDIS_PREFIX!, log: createLogger('silent') })
    : new SqliteStore({ dataDir, synchronous: 'normal' });
}

const connections: CaseStore[] = [];
const dataDirOf = new Map<CaseStore, string>();

afterEach(async () => {
  for (const store of connections.splice(0).reverse()) await store.close();
  for (const dataDir of new Set(dataDirOf.values())) {
    rmSync(dataDir, { recursive: true, force: true });
    await forgetRedisKeys(dataDir);
  }
  dataDirOf.clear();
});

async function connectTo(dataDir: string): Promise<CaseStore> {
  const store = await openStore(dataDir);
  connections.push(store);
  dataDirOf.set(store, dataDir);
  return store;
}

/** A new, empty store of this run's kind; closed and deleted after the test. */
export function freshStore(): Promise<CaseStore> {
  return connectTo(tempDataDir());
}

/** Another connection to the same store as `store` (as a second hub node has); closed after the test. */
export function secondConnection(store: CaseStore): Promise<CaseStore> {
  const dataDir = dataDirOf.get(store);
  if (dataDir === undefined) throw new Error('secondConnection takes a store from freshStore');
  return connectTo(dataDir);
}

async function withStore<T>(dataDir: string, read: (store: CaseStore) => Promise<T>): Promise<T> {
  const store = await openStore(dataDir);
  try {
    return await read(store);
  } finally {
    await store.close();
  }
}

/** How a case's document is laid out in the store. */
export function storedRows(dataDir: string, caseId: string): Promise<StoredRows> {
  return withStore(dataDir, async (store) => {
    const stored = await store.documents.load(caseId);
    return { updates: stored.updates.length, snapshot: stored.snapshot !== null };
  });
}

/** The case's document rebuilt from the store alone: its snapshot, then its logged updates in order. */
export function storedDocument(dataDir: string, caseId: string): Promise<Y.Doc> {
  return withStore(dataDir, async (store) => {
    const stored = await store.documents.load(caseId);
    const doc = new Y.Doc();
    if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot);
    for (const update of stored.updates) Y.applyUpdate(doc, update);
    return doc;
  });
}
