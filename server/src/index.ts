export { startHub, type Hub, type HubParts } from './Hub.js';
export { envSchema, loadConfig, ConfigError, type HubConfig } from './config.js';
export { bindLog, createLogger, type Log, type Logger } from './logger.js';
export type { CaseStore, CaseQuery, StoredDocument } from './store/CaseStore.js';
export { SqliteStore } from './store/sqlite/SqliteStore.js';
export { RedisStore } from './store/redis/RedisStore.js';
export { Tokens } from './identity/Tokens.js';
export type { HostResolver } from './events/WebhookTargets.js';
export { engineShapeProblems } from './hub/engineConnection.js';
