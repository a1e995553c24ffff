/**
 * The case event log in the embedded store: one table, each event's id its row id, numbered
 * within its case in the transaction that stores it. Every aggregate of the SqliteStore stores
 * its events through `write`, so a change and its events commit together and readers are told
 * once they have.
 */
import type { CaseEvent, CaseEventType } from '@caseroom/shared';
import type Database from 'better-sqlite3';
import { AppendSignal } from '../AppendSignal.js';
import {
  caseEventRange,
  invalidEventCursor,
  readsNothing,
  storedEvent,
  type EventQuery,
  type EventStore,
  type NewCaseEvent,
} from '../EventStore.js';
import { SqlFilter } from './SqlFilter.js';

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
    db.exec(schema);
    this.statements = {
      nextSeq: db.prepare<[string], { seq: number }>('SELECT coalesce(max(seq), 0) + 1 AS seq FROM events WHERE case_id = ?'),
      insert: db.prepare('INSERT INTO events (case_id, team, seq, type, at, actor, data) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      caseEvents: db.prepare<[string, number, number], EventRow>(
        'SELECT * FROM events WHERE case_id = ? AND seq >= ? ORDER BY seq LIMIT ?',
      ),
      lastId: db.prepare<[], { id: number | null }>('SELECT max(id) AS id FROM events'),
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
    return range ? this.statements.caseEvents.all(caseId, range.firstSeq, range.limit).map(toEvent) : [];
  }

  async lastId(): Promise<string> {
    return String(this.statements.lastId.get()?.id ?? 0);
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

  /** Stores events inside the caller's transaction, numbering each within its case. */
  private insert(events: readonly NewCaseEvent[]): CaseEvent[] {
    return events.map((e) => {
      const seq = this.statements.nextSeq.get(e.caseId)!.seq;
      const actor = e.actor ? JSON.stringify(e.actor) : null;
      const { lastInsertRowid } = this.statements.insert.run(e.caseId, e.team, seq, e.type, e.at, actor, JSON.stringify(e.data));
      return storedEvent(e, String(lastInsertRowid), seq);
    });
  }
}
