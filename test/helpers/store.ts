/**
 * Reads what a hub's store holds, bypassing the hub: the same store implementation the hub uses
 * (SQLite file in its data dir, or Redis under its key prefix), opened on its own connection —
 * safe next to a running hub, or after it stopped or was killed.
 */
import { createLogger, RedisStore, SqliteStore, type CaseStore } from '@caseroom/server';
import * as Y from 'yjs';
import { redisEnv, testRedisUrl, testStore } from './hub.js';

export interface StoredRows {
  /** logged updates of the case not yet folded into a snapshot */
  updates: number;
  /** whether the store holds a snapshot of the case */
  snapshot: boolean;
}

async function withStore<T>(dataDir: string, read: (store: CaseStore) => Promise<T>): Promise<T> {
  const store =
    testStore === 'redis'
      ? await RedisStore.connect({ url: testRedisUrl, prefix: redisEnv(dataDir).CASEROOM_REDIS_PREFIX!, log: createLogger('silent') })
      : new SqliteStore({ dataDir, synchronous: 'normal' });
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
