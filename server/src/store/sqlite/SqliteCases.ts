/**
 * Case records in the embedded store, indexed for listing by team and status, newest first, and
 * by how long their customer has waited. `waiting_since` is kept by the conversation's writes
 * (SqliteConversation) beside the record, which is written once and changed only in its status.
 */
import { CaseroomError, type CaseRecord, type CaseStatus, type Page } from '@caseroom/shared';
import type Database from 'better-sqlite3';
import type { CaseQuery, CaseRecordStore } from '../CaseRecordStore.js';
import { pageOf } from '../cursor.js';
import type { NewCaseEvent } from '../EventStore.js';
import { SqlFilter } from './SqlFilter.js';
import type { SqliteEvents } from './SqliteEvents.js';

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
`;

/** Added after the first release: a database made before gains the column and its index on opening. */
const waitingColumn = `
ALTER TABLE cases ADD COLUMN waiting_since TEXT;
`;
const waitingIndex = `
CREATE INDEX IF NOT EXISTS cases_waiting ON cases (waiting_since, id) WHERE waiting_since IS NOT NULL;
`;

interface CaseRow {
  record: string;
  waiting_since: string | null;
}

/** The record as stored, with the time the customer has waited since. */
function recordOf(row: CaseRow): CaseRecord {
  return { ...(JSON.parse(row.record) as CaseRecord), waitingSince: row.waiting_since };
}

export class SqliteCases implements CaseRecordStore {
  private readonly statements;

  constructor(
    private readonly db: Database.Database,
    private readonly events: SqliteEvents,
  ) {
    db.exec(schema);
    const columns = db.prepare<[], { name: string }>("SELECT name FROM pragma_table_info('cases')").all();
    if (!columns.some((c) => c.name === 'waiting_since')) db.exec(waitingColumn);
    db.exec(waitingIndex);
    this.statements = {
      insert: db.prepare('INSERT INTO cases (id, team, status, created_at, record) VALUES (?, ?, ?, ?, ?)'),
      get: db.prepare<[string], CaseRow>('SELECT record, waiting_since FROM cases WHERE id = ?'),
      // Resolving a case ends the customer's wait: it is answered, one way or another.
      setStatus: db.prepare(
        "UPDATE cases SET status = ?, record = ?, waiting_since = CASE WHEN ? = 'resolved' THEN NULL ELSE waiting_since END WHERE id = ?",
      ),
      setWaiting: db.prepare('UPDATE cases SET waiting_since = ? WHERE id = ?'),
    };
  }

  async create(record: CaseRecord, events: readonly NewCaseEvent[]): Promise<void> {
    try {
      this.events.write(events, () =>
        this.statements.insert.run(record.id, record.team, record.status, record.createdAt, JSON.stringify(record)),
      );
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new CaseroomError('case_exists');
      throw err;
    }
  }

  async get(id: string): Promise<CaseRecord | null> {
    const row = this.statements.get.get(id);
    return row ? recordOf(row) : null;
  }

  async list(query: CaseQuery): Promise<Page<CaseRecord>> {
    const filter = new SqlFilter().equals('team', query.team).equals('status', query.status);
    if (query.sort === 'waiting') {
      filter.add('waiting_since IS NOT NULL').pastCursor('waiting_since', query.cursor, 'asc');
      const sql = `SELECT record, waiting_since FROM cases ${filter} ORDER BY waiting_since, id LIMIT ?`;
      const rows = this.db.prepare<unknown[], CaseRow>(sql).all(...filter.params, query.limit + 1);
      return pageOf(rows.map(recordOf), query.limit, (c) => [c.waitingSince!, c.id]);
    }
    filter.pastCursor('created_at', query.cursor, 'desc');
    const sql = `SELECT record, waiting_since FROM cases ${filter} ORDER BY created_at DESC, id DESC LIMIT ?`;
    const rows = this.db.prepare<unknown[], CaseRow>(sql).all(...filter.params, query.limit + 1);
    return pageOf(rows.map(recordOf), query.limit, (c) => [c.createdAt, c.id]);
  }

  async setStatus(id: string, status: CaseStatus, at: string, events: readonly NewCaseEvent[]): Promise<CaseRecord | null> {
    return this.events.write(events, () => {
      const row = this.statements.get.get(id);
      if (!row) return null;
      const { waitingSince: _kept, ...stored } = recordOf(row);
      this.statements.setStatus.run(status, JSON.stringify({ ...stored, status, updatedAt: at }), status, id);
      return { ...stored, status, updatedAt: at, waitingSince: status === 'resolved' ? null : row.waiting_since };
    });
  }

  async restoreWaiting(id: string, since: string | null): Promise<boolean> {
    return this.statements.setWaiting.run(since, id).changes === 1;
  }
}
