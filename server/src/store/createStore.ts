import type { Logger } from '../logger.js';
import type { CaseStore } from './CaseStore.js';
import { RedisStore } from './redis/RedisStore.js';
import { SqliteStore } from './sqlite/SqliteStore.js';

/** What choosing and opening the store needs of the hub's configuration (HubConfig has it). */
export interface StoreConfig {
  /** null: the embedded SQLite store */
  redis: { url: string; prefix: string } | null;
  dataDir: string;
  sqliteSync: 'normal' | 'full';
  sqliteCheckpointMs: number;
}

/** The store for the configured deployment mode: Redis when REDIS_URL is set, else SQLite in DATA_DIR. */
export async function createStore(config: StoreConfig, log: Logger): Promise<CaseStore> {
  if (config.redis) return RedisStore.connect({ ...config.redis, log });
  return new SqliteStore({
    dataDir: config.dataDir,
    synchronous: config.sqliteSync,
    checkpointIntervalMs: config.sqliteCheckpointMs,
    log,
  });
}
