/**
 * The case event log in the embedded store: one table, each event's id its row id, numbered
 * within its case in the transaction that stores it. Every aggregate of the SqliteStore stores
 * its events through `write`, so a change and its events commit together and readers are told
 * once they have. Trimming deletes a prefix of the table and keeps its last id in `event_log`:
 * row ids never come back (AUTOINCREMENT), and each case's last number is kept apart from its
 * events, so a case whose events were all trimmed goes on numbering where it was.
 */
import type { CaseEvent, CaseEventType } from '@caseroom/shared';
import type Database from 'better-sqlite3';
import { AppendSignal } from '../AppendSignal.js';
import {
  caseEventRange,
  expiredEventCursor,
  invalidEventCursor,
  readsNothing,
  storedEvent,
  type EventQuery,
  type EventStore,
  type NewCaseEvent,
} from '../EventStore.js';
import { SqlFilter } from './SqlFilter.js';
import { lastOfOldPrefix } from './oldPrefix.js';

const schema = `
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
CREATE TABLE IF NOT EXISTS event_log (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
`;

/** Each case's last sequence number; filled from the events on the first start that has it. */
const seqSchema = `
CREATE TABLE event_seqs (
  case_id TEXT PRIMARY KEY,
  last_seq INTEGER NOT NULL
);
INSERT INTO event_seqs (case_id, last_seq) SELECT case_id, max(seq) FROM events GROUP BY case_id;
`;

/** How many shapes of read statement are kept prepared (a shape grows with the cases a subscription names). */
const maxReadShapes = 256;

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

/** An event id of this store is its row id in decimal; `0` reads from the beginning. */
function parseId(id: string): number | null {
  return /^(0|[1-9][0-9]{0,15})$/.test(id) ? Number(id) : null;
}

export class SqliteEvents implements EventStore {
  readonly beginning = '0';
  private readonly appended = new AppendSignal();
  private readonly statements;
  /** read statements by their SQL */
  private readonly reads = new Map<string, Database.Statement<unknown[], EventRow>>();

  constructor(private readonly db: Database.Database) {
    db.transaction(() => {
      db.exec(schema);
      const hasSeqs = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'event_seqs'").get();
      if (!hasSeqs) db.exec(seqSchema);
    })();
    this.statements = {
      nextSeq: db.prepare<[string], { seq: number }>('SELECT coalesce((SELECT last_seq FROM event_seqs WHERE case_id = ?), 0) + 1 AS seq'),
      numberAfter: db.prepare(
        'INSERT INTO event_seqs (case_id, last_seq) VALUES (?, ?) ON CONFLICT (case_id) DO UPDATE SET last_seq = max(last_seq, excluded.last_seq)',
      ),
      keepSeq: db.prepare(
        'INSERT INTO event_seqs (case_id, last_seq) VALUES (?, ?) ON CONFLICT (case_id) DO UPDATE SET last_seq = excluded.last_seq',
      ),
      insert: db.prepare('INSERT INTO events (case_id, team, seq, type, at, actor, data) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      caseEvents: db.prepare<[string, number, number], EventRow>(
        'SELECT * FROM events WHERE case_id = ? AND seq >= ? ORDER BY seq LIMIT ?',
      ),
      caseBounds: db.prepare<[string, string], { first: number | null; last: number | null }>(
        'SELECT (SELECT min(seq) FROM events WHERE case_id = ?) AS first, (SELECT last_seq FROM event_seqs WHERE case_id = ?) AS last',
      ),
      lastId: db.prepare<[], { id: number | null }>('SELECT max(id) AS id FROM events'),
      trimmedThrough: db.prepare<[], { value: number }>("SELECT value FROM event_log WHERE name = 'trimmed_through'"),
      oldestRows: db.prepare<[number], { id: number; at: string }>('SELECT id, at FROM events ORDER BY id LIMIT ?'),
      deleteThrough: db.prepare('DELETE FROM events WHERE id <= ?'),
      markTrimmed: db.prepare(
        "INSERT INTO event_log (name, value) VALUES ('trimmed_through', ?) ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)",
      ),
    };
  }

  /**
   * Runs `change` and stores `events` in one transaction. A change that stored nothing answers
   * false or null: then no event is stored either. Readers are told after the commit.
   */
  write<T>(events: readonly NewCaseEvent[], change: () => T): T {
    const result = this.db.transaction(() => {
      const outcome = change();
      if (outcome !== false && outcome !== null) this.insert(events);
      return outcome;
    })();
    if (result !== false && result !== null) this.appended.committed(events);
    return result;
  }

  /**
   * Like `write`, for a change whose events depend on what it stored (a number it gave): `change`
   * answers its outcome with the events describing it, stored in the same transaction.
   */
  writeDescribed<T>(change: () => { outcome: T; events: readonly NewCaseEvent[] }): T {
    const { outcome, events } = this.db.transaction(() => {
      const described = change();
      this.insert(described.events);
      return described;
    })();
    this.appended.committed(events);
    return outcome;
  }

  async append(events: readonly NewCaseEvent[]): Promise<CaseEvent[]> {
    const stored = this.db.transaction(() => this.insert(events))();
    this.appended.committed(events);
    return stored;
  }

  async read(query: EventQuery): Promise<CaseEvent[]> {
    const after = parseId(query.after ?? this.beginning);
    if (after === null) throw invalidEventCursor();
    const trimmed = this.trimmedThrough();
    if (after < trimmed) throw expiredEventCursor(String(trimmed));
    if (readsNothing(query)) return [];
    const filter = new SqlFilter()
      .add('id > ?', after)
      .equals('team', query.team)
      .within('case_id', query.caseIds)
      .within('type', query.types);
    return this.readStatement(`SELECT * FROM events ${filter} ORDER BY id LIMIT ?`)
      .all(...filter.params, query.limit)
      .map(toEvent);
  }

  async forCase(caseId: string, afterSeq: number, limit: number): Promise<CaseEvent[]> {
    const range = caseEventRange(afterSeq, limit);
    if (!range) return [];
    // Read in one transaction with the bounds, so a trim cannot fall between the check and the read.
    return this.db.transaction(() => {
      const { first, last } = this.statements.caseBounds.get(caseId, caseId)!;
      // The case's oldest kept event comes after the one asked for (or none is kept): the ones between were trimmed.
      const oldestKept = first ?? (last ?? 0) + 1;
      if (range.firstSeq < oldestKept) throw expiredEventCursor(oldestKept - 1);
      return this.statements.caseEvents.all(caseId, range.firstSeq, range.limit).map(toEvent);
    })();
  }

  async numberAfter(caseId: string, seq: number): Promise<void> {
    this.statements.numberAfter.run(caseId, seq);
  }

  async lastId(): Promise<string> {
    return String(this.statements.lastId.get()?.id ?? this.trimmedThrough());
  }

  async oldest(): Promise<string> {
    return String(this.trimmedThrough());
  }

  async trim(before: number, limit: number): Promise<number> {
    const cutoff = new Date(before).toISOString();
    return this.db.transaction(() => {
      // A prefix of the log, so that one id says what is gone: it stops at the first event kept.
      const last = lastOfOldPrefix(this.statements.oldestRows.all(limit), cutoff);
      if (last === undefined) return 0;
      const { changes } = this.statements.deleteThrough.run(last.id);
      this.statements.markTrimmed.run(last.id);
      return changes;
    })();
  }

  compare(a: string, b: string): number | null {
    const x = parseId(a);
    const y = parseId(b);
    return x === null || y === null ? null : Math.sign(x - y);
  }

  onAppended(listener: (teams: readonly string[]) => void): () => void {
    return this.appended.listen(listener);
  }

  /**
   * The statement for a read's SQL, prepared once per shape (which filters, how many cases and
   * types): every subscription reads again after each write of its team, so preparing anew each
   * time would cost more than the read. Shapes beyond the first few hundred are not kept.
   */
  private readStatement(sql: string): Database.Statement<unknown[], EventRow> {
    let statement = this.reads.get(sql);
    if (!statement) {
      statement = this.db.prepare<unknown[], EventRow>(sql);
      if (this.reads.size < maxReadShapes) this.reads.set(sql, statement);
    }
    return statement;
  }

  /** The id of the last event trimmed; 0 before any trim. */
  private trimmedThrough(): number {
    return this.statements.trimmedThrough.get()?.value ?? 0;
  }

  /** Stores events inside the caller's transaction, numbering each within its case. */
  private insert(events: readonly NewCaseEvent[]): CaseEvent[] {
    return events.map((e) => {
      const seq = this.statements.nextSeq.get(e.caseId)!.seq;
      this.statements.keepSeq.run(e.caseId, seq);
      const actor = e.actor ? JSON.stringify(e.actor) : null;
      const { lastInsertRowid } = this.statements.insert.run(e.caseId, e.team, seq, e.type, e.at, actor, JSON.stringify(e.data));
      return storedEvent(e, String(lastInsertRowid), seq);
    });
  }
}
