/**
 * The embedded store: one SQLite file in WAL mode, holding every aggregate's tables. Each
 * aggregate prepares its own statements on the one connection; those that store events write
 * them through SqliteEvents, in the same transaction as their change.
 */
import { mkdirSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Logger } from '../../logger.js';
import type { CaseStore } from '../CaseStore.js';
import { SqliteApprovals } from './SqliteApprovals.js';
import { SqliteCases } from './SqliteCases.js';
import { SqliteConversation } from './SqliteConversation.js';
import { SqliteDeadlines } from './SqliteDeadlines.js';
import { SqliteDocuments } from './SqliteDocuments.js';
import { SqliteEvents } from './SqliteEvents.js';
import { SqliteOwnership } from './SqliteOwnership.js';
import { SqlitePeople } from './SqlitePeople.js';
import { databaseFile, markCaseroomDatabase } from './SqliteSchema.js';
import { SqliteWebhooks } from './SqliteWebhooks.js';
import { WalCheckpointer } from './WalCheckpointer.js';

export interface SqliteStoreOptions {
  dataDir: string;
  synchronous: 'normal' | 'full';
  /**
   * Checkpoint the write-ahead log from a worker thread this often (see WalCheckpointer); absent
   * or 0: SQLite's automatic checkpoints, inside the commits on the event loop.
   */
  checkpointIntervalMs?: number;
  /** hears when the checkpoint worker fails (the store then falls back to automatic checkpoints) */
  log?: Logger;
}

export class SqliteStore implements CaseStore {
  readonly kind = 'sqlite';
  readonly events: SqliteEvents;
  readonly cases: SqliteCases;
  readonly ownership: SqliteOwnership;
  readonly approvals: SqliteApprovals;
  readonly conversation: SqliteConversation;
  readonly deadlines: SqliteDeadlines;
  readonly documents: SqliteDocuments;
  readonly people: SqlitePeople;
  readonly webhooks: SqliteWebhooks;
  private readonly db: Database.Database;
  private readonly checkpointer: WalCheckpointer | null = null;
  private readonly pingStatement: Database.Statement;

  constructor(options: SqliteStoreOptions) {
    mkdirSync(options.dataDir, { recursive: true });
    const file = databaseFile(options.dataDir);
    this.db = new Database(file);
    try {
      markCaseroomDatabase(this.db, file);
    } catch (err) {
      this.db.close();
      throw err;
    }
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    this.db.pragma('busy_timeout = 5000');
    // A log that grew during a burst is cut back when it starts over, instead of staying that size.
    this.db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
    if (options.checkpointIntervalMs) {
      this.db.pragma('wal_autocheckpoint = 0');
      this.checkpointer = new WalCheckpointer(file, options.checkpointIntervalMs, (err) => {
        options.log?.error({ err }, 'the SQLite checkpoint worker failed; checkpointing on the event loop again');
        if (this.db.open) this.db.pragma('wal_autocheckpoint = 1000');
      });
    }
    // The event log first: the others write their events through it, and webhooks read its ids.
    this.events = new SqliteEvents(this.db);
    this.cases = new SqliteCases(this.db, this.events);
    this.ownership = new SqliteOwnership(this.db, this.events);
    this.approvals = new SqliteApprovals(this.db, this.events);
    // After the cases: a message moves its case's waiting time, in the cases table.
    this.conversation = new SqliteConversation(this.db, this.events);
    this.deadlines = new SqliteDeadlines(this.db, this.events);
    this.documents = new SqliteDocuments(this.db);
    this.people = new SqlitePeople(this.db, this.events);
    this.webhooks = new SqliteWebhooks(this.db);
    this.pingStatement = this.db.prepare('SELECT 1');
  }

  async ping(): Promise<void> {
    this.pingStatement.get();
  }

  async close(): Promise<void> {
    this.documents.commitPending();
    // The worker's connection closes first, so closing ours (the last) folds the log into the file.
    await this.checkpointer?.stop();
    this.db.close();
  }
}
