import type { HubConfig } from '../config.js';
import type { CaseStore } from './CaseStore.js';
import { SqliteStore } from './SqliteStore.js';

/** The store for the configured deployment mode. */
export function createStore(config: HubConfig): CaseStore {
  return new SqliteStore({ dataDir: config.dataDir, synchronous: config.sqliteSync });
}
