/**
 * How big the hub's store is, two ways. Embedded: the pages SQLite has in use (page count less
 * free pages, read through a read-only connection of our own), which is what retention bounds;
 * and the files on disk, the write-ahead log included, which only grow to high-water marks (the
 * log up to the hub's journal_size_limit, the database file never shrinks). Redis: the bytes of
 * the run's own keys (MEMORY USAGE over every key under its prefix), and the server's
 * `used_memory`, which counts whatever else shares that Redis.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createClient } from 'redis';

export interface StoreReading {
  /** what the store holds: the figure the growth check fits */
  bytes: number;
  /** what it takes on the machine: SQLite's files, Redis' used_memory */
  whole: number;
}

export interface StoreSize {
  read(): Promise<StoreReading>;
  close(): Promise<void>;
}

export function sqliteSize(dataDir: string): StoreSize {
  const file = join(dataDir, 'caseroom.sqlite');
  let db: Database.Database | null = null;
  return {
    async read() {
      // Opened once the hub has created the file, read-only: the hub stays its only writer.
      db ??= new Database(file, { readonly: true, fileMustExist: true });
      const pages = Number(db.pragma('page_count', { simple: true })) - Number(db.pragma('freelist_count', { simple: true }));
      const whole = readdirSync(dataDir)
        .filter((name) => name.startsWith('caseroom.sqlite'))
        .reduce((sum, name) => sum + statSync(join(dataDir, name)).size, 0);
      return { bytes: pages * Number(db.pragma('page_size', { simple: true })), whole };
    },
    async close() {
      db?.close();
    },
  };
}

export async function redisSize(url: string, prefix: string): Promise<StoreSize> {
  const redis = createClient({ url });
  await redis.connect();
  return {
    async read() {
      let bytes = 0;
      for await (const keys of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 }))
        for (const key of keys) bytes += (await redis.memoryUsage(key, { SAMPLES: 0 })) ?? 0;
      const used = /used_memory:(\d+)/.exec(await redis.info('memory'))?.[1];
      return { bytes, whole: Number(used) };
    },
    async close() {
      // Every key of the run goes with it.
      for await (const keys of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) if (keys.length > 0) await redis.unlink(keys);
      await redis.close();
    },
  };
}
