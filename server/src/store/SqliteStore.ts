/**
 * The embedded store: one SQLite file in WAL mode. Document updates are group-committed: every
 * update appended during one turn of the event loop goes into a single transaction, and each
 * caller's promise resolves only after that transaction has committed.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  CaseroomError,
  unowned,
  type Approval,
  type CaseEvent,
  type CaseEventType,
  type CaseRecord,
  type CaseStatus,
  type Identity,
  type Ownership,
  type OwnershipRecord,
  type Page,
} from '@caseroom/shared';
import Database from 'better-sqlite3';
import type { ApprovalQuery, CaseQuery, CaseStore, EventQuery, NewCaseEvent, StoredDocument } from './CaseStore.js';
import { pageOf } from './cursor.js';
import { SqlFilter } from './sqlFilter.js';
import { SqliteWebhookStore } from './SqliteWebhookStore.js';
import type { WebhookStore } from './WebhookStore.js';
import { WalCheckpointer } from './WalCheckpointer.js';
import type { Logger } from '../logger.js';

const schema = `
CREATE TABLE IF NOT EXISTS cases (
  id TEXT PRIMARY KEY,
  team TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at TEXT NOT NULL,
  record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS cases_by_team ON cases (team, status, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS cases_by_time ON cases (created_at DESC, id DESC);
CREATE TABLE IF NOT EXISTS doc_updates (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  case_id TEXT NOT NULL,
  data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS doc_updates_by_case ON doc_updates (case_id, seq);
CREATE TABLE IF NOT EXISTS ownership (
  case_id TEXT PRIMARY KEY,
  epoch INTEGER NOT NULL,
  state TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS ownership_history (
  case_id TEXT NOT NULL,
  epoch INTEGER NOT NULL,
  record TEXT NOT NULL,
  PRIMARY KEY (case_id, epoch)
);
CREATE TABLE IF NOT EXISTS people (
  user_id TEXT PRIMARY KEY,
  identity TEXT NOT NULL,
  seen_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS revocations (
  user_id TEXT PRIMARY KEY,
  revoked_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS approvals (
  id TEXT PRIMARY KEY,
  case_id TEXT NOT NULL,
  team TEXT NOT NULL,
  status TEXT NOT NULL,
  requested_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  reviewed INTEGER NOT NULL,
  version INTEGER NOT NULL,
  record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS approvals_by_case ON approvals (case_id, requested_at, id);
CREATE INDEX IF NOT EXISTS approvals_pending ON approvals (status, expires_at);
CREATE INDEX IF NOT EXISTS approvals_by_team ON approvals (team, reviewed, requested_at, id);
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  case_id TEXT NOT NULL,
  team TEXT NOT NULL,
  seq INTEGER NOT NULL,
  type TEXT NOT NULL,
  at TEXT NOT NULL,
  actor TEXT,
  data TEXT NOT NULL,
  UNIQUE (case_id, seq)
);
CREATE INDEX IF NOT EXISTS events_by_team ON events (team, id);
CREATE TABLE IF NOT EXISTS doc_snapshots (
  case_id TEXT PRIMARY KEY,
  data BLOB NOT NULL,
  through_seq INTEGER NOT NULL
);
`;

interface EventRow {
  id: number;
  case_id: string;
  seq: number;
  type: string;
  at: string;
  actor: string | null;
  data: string;
}

function toEvent(row: EventRow): CaseEvent {
  return {
    id: String(row.id),
    caseId: row.case_id,
    seq: row.seq,
    type: row.type as CaseEventType,
    at: row.at,
    actor: row.actor ? (JSON.parse(row.actor) as CaseEvent['actor']) : null,
    data: JSON.parse(row.data) as Record<string, unknown>,
  };
}

interface PendingAppend {
  caseId: string;
  update: Uint8Array;
  resolve: (seq: number) => void;
  reject: (err: unknown) => void;
}

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
  readonly webhooks: WebhookStore;
  private readonly db: Database.Database;
  private pending: PendingAppend[] = [];
  private flushScheduled: NodeJS.Immediate | null = null;
  private readonly statements;
  private readonly checkpointer: WalCheckpointer | null = null;

  constructor(options: SqliteStoreOptions) {
    mkdirSync(options.dataDir, { recursive: true });
    const file = join(options.dataDir, 'caseroom.sqlite');
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    this.db.pragma('busy_timeout = 5000');
    // A log that grew during a burst is cut back when it starts over, instead of staying that size.
    this.db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
    this.db.exec(schema);
    if (options.checkpointIntervalMs) {
      this.db.pragma('wal_autocheckpoint = 0');
      this.checkpointer = new WalCheckpointer(file, options.checkpointIntervalMs, (err) => {
        options.log?.error({ err }, 'the SQLite checkpoint worker failed; checkpointing on the event loop again');
        if (this.db.open) this.db.pragma('wal_autocheckpoint = 1000');
      });
    }
    this.webhooks = new SqliteWebhookStore(this.db);
    this.statements = {
      insertCase: this.db.prepare('INSERT INTO cases (id, team, status, created_at, record) VALUES (?, ?, ?, ?, ?)'),
      getCase: this.db.prepare<[string], { record: string }>('SELECT record FROM cases WHERE id = ?'),
      appendUpdate: this.db.prepare('INSERT INTO doc_updates (case_id, data) VALUES (?, ?)'),
      snapshot: this.db.prepare<[string], { data: Buffer; through_seq: number }>(
        'SELECT data, through_seq FROM doc_snapshots WHERE case_id = ?',
      ),
      updates: this.db.prepare<[string], { seq: number; data: Buffer }>('SELECT seq, data FROM doc_updates WHERE case_id = ? ORDER BY seq'),
      putSnapshot: this.db.prepare(
        'INSERT INTO doc_snapshots (case_id, data, through_seq) VALUES (?, ?, ?) ON CONFLICT (case_id) DO UPDATE SET data = excluded.data, through_seq = excluded.through_seq',
      ),
      dropUpdates: this.db.prepare('DELETE FROM doc_updates WHERE case_id = ? AND seq <= ?'),
      ping: this.db.prepare('SELECT 1'),
      setStatus: this.db.prepare('UPDATE cases SET status = ?, record = ? WHERE id = ?'),
      getOwnership: this.db.prepare<[string], { state: string }>('SELECT state FROM ownership WHERE case_id = ?'),
      insertOwnership: this.db.prepare('INSERT INTO ownership (case_id, epoch, state) VALUES (?, ?, ?) ON CONFLICT (case_id) DO NOTHING'),
      updateOwnership: this.db.prepare('UPDATE ownership SET epoch = ?, state = ? WHERE case_id = ? AND epoch = ?'),
      addHistory: this.db.prepare('INSERT INTO ownership_history (case_id, epoch, record) VALUES (?, ?, ?)'),
      history: this.db.prepare<[string], { record: string }>('SELECT record FROM ownership_history WHERE case_id = ? ORDER BY epoch'),
      rememberPerson: this.db.prepare(
        'INSERT INTO people (user_id, identity, seen_at) VALUES (?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET identity = excluded.identity, seen_at = excluded.seen_at',
      ),
      getPerson: this.db.prepare<[string], { identity: string }>('SELECT identity FROM people WHERE user_id = ?'),
      revokePerson: this.db.prepare(
        'INSERT INTO revocations (user_id, revoked_at) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET revoked_at = max(revoked_at, excluded.revoked_at)',
      ),
      revocations: this.db.prepare<[], { user_id: string; revoked_at: number }>('SELECT user_id, revoked_at FROM revocations'),
      insertApproval: this.db.prepare(
        'INSERT INTO approvals (id, case_id, team, status, requested_at, expires_at, reviewed, version, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      getApproval: this.db.prepare<[string], { record: string }>('SELECT record FROM approvals WHERE id = ?'),
      updateApproval: this.db.prepare(
        'UPDATE approvals SET status = ?, reviewed = ?, version = ?, record = ? WHERE id = ? AND version = ?',
      ),
      dueApprovals: this.db.prepare<[string, number], { record: string }>(
        "SELECT record FROM approvals WHERE status = 'pending' AND expires_at <= ? ORDER BY expires_at LIMIT ?",
      ),
      nextSeq: this.db.prepare<[string], { seq: number }>('SELECT coalesce(max(seq), 0) + 1 AS seq FROM events WHERE case_id = ?'),
      insertEvent: this.db.prepare('INSERT INTO events (case_id, team, seq, type, at, actor, data) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      caseEvents: this.db.prepare<[string, number, number], EventRow>(
        'SELECT * FROM events WHERE case_id = ? AND seq > ? ORDER BY seq LIMIT ?',
      ),
      lastEventId: this.db.prepare<[], { id: number | null }>('SELECT max(id) AS id FROM events'),
      nextExpiry: this.db.prepare<[], { at: string | null }>("SELECT min(expires_at) AS at FROM approvals WHERE status = 'pending'"),
    };
  }

  async createCase(record: CaseRecord, events: NewCaseEvent[]): Promise<void> {
    try {
      this.db.transaction(() => {
        this.statements.insertCase.run(record.id, record.team, record.status, record.createdAt, JSON.stringify(record));
        this.insertEvents(events);
      })();
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new CaseroomError('case_exists');
      throw err;
    }
  }

  async getCase(id: string): Promise<CaseRecord | null> {
    const row = this.statements.getCase.get(id);
    return row ? (JSON.parse(row.record) as CaseRecord) : null;
  }

  async listCases(query: CaseQuery): Promise<Page<CaseRecord>> {
    const filter = new SqlFilter().equals('team', query.team).equals('status', query.status).pastCursor('created_at', query.cursor, 'desc');
    const sql = `SELECT record FROM cases ${filter} ORDER BY created_at DESC, id DESC LIMIT ?`;
    const rows = this.db.prepare<unknown[], { record: string }>(sql).all(...filter.params, query.limit + 1);
    return pageOf(
      rows.map((row) => JSON.parse(row.record) as CaseRecord),
      query.limit,
      (c) => [c.createdAt, c.id],
    );
  }

  async setCaseStatus(id: string, status: CaseStatus, at: string, events: NewCaseEvent[]): Promise<CaseRecord | null> {
    return this.db.transaction(() => {
      const row = this.statements.getCase.get(id);
      if (!row) return null;
      const record: CaseRecord = { ...(JSON.parse(row.record) as CaseRecord), status, updatedAt: at };
      this.statements.setStatus.run(status, JSON.stringify(record), id);
      this.insertEvents(events);
      return record;
    })();
  }

  async getOwnership(caseId: string): Promise<Ownership> {
    const row = this.statements.getOwnership.get(caseId);
    return row ? (JSON.parse(row.state) as Ownership) : unowned;
  }

  async saveOwnership(
    caseId: string,
    expectedEpoch: number,
    next: Ownership,
    record: OwnershipRecord | null,
    events: NewCaseEvent[],
  ): Promise<boolean> {
    return this.db.transaction(() => {
      const state = JSON.stringify(next);
      const written =
        expectedEpoch === 0
          ? this.statements.insertOwnership.run(caseId, next.epoch, state)
          : this.statements.updateOwnership.run(next.epoch, state, caseId, expectedEpoch);
      if (written.changes !== 1) return false;
      if (record) this.statements.addHistory.run(caseId, record.epoch, JSON.stringify(record));
      this.insertEvents(events);
      return true;
    })();
  }

  async ownershipHistory(caseId: string): Promise<OwnershipRecord[]> {
    return this.statements.history.all(caseId).map((row) => JSON.parse(row.record) as OwnershipRecord);
  }

  async createApproval(approval: Approval, events: NewCaseEvent[]): Promise<void> {
    // The hub makes approval ids: a second one with the same id is a fault, reported as every store does.
    if (this.statements.getApproval.get(approval.id)) throw new Error(`approval ${approval.id} is already stored`);
    this.db.transaction(() => {
      this.statements.insertApproval.run(
        approval.id,
        approval.caseId,
        approval.team,
        approval.status,
        approval.requestedAt,
        approval.expiresAt,
        approval.review ? 1 : 0,
        approval.version,
        JSON.stringify(approval),
      );
      this.insertEvents(events);
    })();
  }

  async getApproval(id: string): Promise<Approval | null> {
    const row = this.statements.getApproval.get(id);
    return row ? (JSON.parse(row.record) as Approval) : null;
  }

  async saveApproval(next: Approval, expectedVersion: number, events: NewCaseEvent[]): Promise<boolean> {
    return this.db.transaction(() => {
      const result = this.statements.updateApproval.run(
        next.status,
        next.review ? 1 : 0,
        next.version,
        JSON.stringify(next),
        next.id,
        expectedVersion,
      );
      if (result.changes !== 1) return false;
      this.insertEvents(events);
      return true;
    })();
  }

  async listApprovals(query: ApprovalQuery): Promise<Page<Approval>> {
    const filter = new SqlFilter()
      .equals('case_id', query.caseId)
      .equals('team', query.team)
      .within('status', query.statuses)
      .equals('reviewed', query.reviewed)
      .pastCursor('requested_at', query.cursor, 'asc');
    const sql = `SELECT record FROM approvals ${filter} ORDER BY requested_at, id LIMIT ?`;
    const rows = this.db.prepare<unknown[], { record: string }>(sql).all(...filter.params, query.limit + 1);
    return pageOf(
      rows.map((row) => JSON.parse(row.record) as Approval),
      query.limit,
      (a) => [a.requestedAt, a.id],
    );
  }

  async dueApprovals(now: string, limit: number): Promise<Approval[]> {
    return this.statements.dueApprovals.all(now, limit).map((row) => JSON.parse(row.record) as Approval);
  }

  async nextApprovalExpiry(): Promise<string | null> {
    return this.statements.nextExpiry.get()?.at ?? null;
  }

  async appendEvents(events: NewCaseEvent[]): Promise<CaseEvent[]> {
    return this.db.transaction(() => this.insertEvents(events))();
  }

  async readEvents(query: EventQuery): Promise<CaseEvent[]> {
    const filter = new SqlFilter()
      .add('id > ?', query.after === undefined ? 0 : Number(query.after))
      .equals('team', query.team)
      .within('case_id', query.caseIds)
      .within('type', query.types);
    const sql = `SELECT * FROM events ${filter} ORDER BY id LIMIT ?`;
    return this.db
      .prepare<unknown[], EventRow>(sql)
      .all(...filter.params, query.limit)
      .map(toEvent);
  }

  async caseEvents(caseId: string, afterSeq: number, limit: number): Promise<CaseEvent[]> {
    return this.statements.caseEvents.all(caseId, afterSeq, limit).map(toEvent);
  }

  async lastEventId(): Promise<string> {
    return String(this.statements.lastEventId.get()?.id ?? 0);
  }

  compareEventIds(a: string, b: string): number | null {
    if (!/^(0|[1-9][0-9]{0,15})$/.test(a)) return null;
    return Math.sign(Number(a) - Number(b));
  }

  /** Inserts events inside the caller's transaction, numbering each within its case. */
  private insertEvents(events: NewCaseEvent[]): CaseEvent[] {
    return events.map((e) => {
      const seq = this.statements.nextSeq.get(e.caseId)!.seq;
      const actor = e.actor ? JSON.stringify(e.actor) : null;
      const { lastInsertRowid } = this.statements.insertEvent.run(e.caseId, e.team, seq, e.type, e.at, actor, JSON.stringify(e.data));
      return { id: String(lastInsertRowid), caseId: e.caseId, seq, type: e.type, at: e.at, actor: e.actor, data: e.data };
    });
  }

  async rememberPerson(who: Identity, at: string): Promise<void> {
    this.statements.rememberPerson.run(who.userId, JSON.stringify(who), at);
  }

  async revokePerson(userId: string, at: number, events: NewCaseEvent[]): Promise<void> {
    this.db.transaction(() => {
      this.statements.revokePerson.run(userId, at);
      this.insertEvents(events);
    })();
  }

  async revocations(): Promise<Map<string, number>> {
    return new Map(this.statements.revocations.all().map((row) => [row.user_id, row.revoked_at]));
  }

  async getPerson(userId: string): Promise<Identity | null> {
    const row = this.statements.getPerson.get(userId);
    return row ? (JSON.parse(row.identity) as Identity) : null;
  }

  appendUpdate(caseId: string, update: Uint8Array): Promise<number> {
    return new Promise((resolve, reject) => {
      this.pending.push({ caseId, update, resolve, reject });
      this.flushScheduled ??= setImmediate(() => this.flush());
    });
  }

  /** Commits every pending update in one transaction. */
  private flush(): void {
    this.flushScheduled = null;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    let seqs: number[];
    try {
      seqs = this.db.transaction(() => batch.map((p) => Number(this.statements.appendUpdate.run(p.caseId, p.update).lastInsertRowid)))();
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    batch.forEach((p, i) => p.resolve(seqs[i]!));
  }

  async loadDocument(caseId: string): Promise<StoredDocument> {
    const snapshot = this.statements.snapshot.get(caseId);
    const rows = this.statements.updates.all(caseId);
    return {
      snapshot: snapshot ? new Uint8Array(snapshot.data) : null,
      updates: rows.map((row) => new Uint8Array(row.data)),
      throughSeq: rows.at(-1)?.seq ?? snapshot?.through_seq ?? 0,
    };
  }

  async compact(caseId: string, snapshot: Uint8Array, throughSeq: number): Promise<void> {
    this.db.transaction(() => {
      this.statements.putSnapshot.run(caseId, snapshot, throughSeq);
      this.statements.dropUpdates.run(caseId, throughSeq);
    })();
  }

  async ping(): Promise<void> {
    this.statements.ping.get();
  }

  async close(): Promise<void> {
    if (this.flushScheduled) {
      clearImmediate(this.flushScheduled);
      this.flush();
    }
    // The worker's connection closes first, so closing ours (the last) folds the log into the file.
    await this.checkpointer?.stop();
    this.db.close();
  }
}
