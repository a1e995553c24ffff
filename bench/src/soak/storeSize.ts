/**
 * How big the hub's store is. Embedded: the SQLite files in the data directory, the write-ahead
 * log included (what the disk holds). Redis: the bytes of the run's own keys (MEMORY USAGE over
 * every key under its prefix), because `used_memory` counts whatever else shares that Redis;
 * `used_memory` is reported beside it.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from 'redis';

export interface StoreSize {
  kind: 'sqlite' | 'redis';
  /** the store's bytes now */
  bytes(): Promise<number>;
  /** Redis only: the whole server's `used_memory` now */
  serverBytes(): Promise<number | null>;
  close(): Promise<void>;
}

export function sqliteSize(dataDir: string): StoreSize {
  return {
    kind: 'sqlite',
    bytes: async () =>
      readdirSync(dataDir)
        .filter((name) => name.startsWith('caseroom.sqlite'))
        .reduce((sum, name) => sum + statSync(join(dataDir, name)).size, 0),
    serverBytes: async () => null,
    close: async () => undefined,
  };
}

export async function redisSize(url: string, prefix: string): Promise<StoreSize> {
  const redis = createClient({ url });
  await redis.connect();
  return {
    kind: 'redis',
    async bytes() {
      let sum = 0;
      for await (const keys of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 }))
        for (const key of keys) sum += (await redis.memoryUsage(key, { SAMPLES: 0 })) ?? 0;
      return sum;
    },
    async serverBytes() {
      const used = /used_memory:(\d+)/.exec(await redis.info('memory'))?.[1];
      return used ? Number(used) : null;
    },
    async close() {
      // Every key of the run goes with it.
      for await (const keys of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) if (keys.length > 0) await redis.unlink(keys);
      await redis.close();
    },
  };
}
