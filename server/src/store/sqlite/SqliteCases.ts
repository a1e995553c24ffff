/** Case records in the embedded store, indexed for listing by team and status, newest first. */
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

export class SqliteCases implements CaseRecordStore {
  private readonly statements;

  constructor(
    private readonly db: Database.Database,
    private readonly events: SqliteEvents,
  ) {
    db.exec(schema);
    this.statements = {
      insert: db.prepare('INSERT INTO cases (id, team, status, created_at, record) VALUES (?, ?, ?, ?, ?)'),
      get: db.prepare<[string], { record: string }>('SELECT record FROM cases WHERE id = ?'),
      setStatus: db.prepare('UPDATE cases SET status = ?, record = ? WHERE id = ?'),
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
    return row ? (JSON.parse(row.record) as CaseRecord) : null;
  }

  async list(query: CaseQuery): Promise<Page<CaseRecord>> {
    const filter = new SqlFilter().equals('team', query.team).equals('status', query.status).pastCursor('created_at', query.cursor, 'desc');
    const sql = `SELECT record FROM cases ${filter} ORDER BY created_at DESC, id DESC LIMIT ?`;
    const rows = this.db.prepare<unknown[], { record: string }>(sql).all(...filter.params, query.limit + 1);
    return pageOf(
      rows.map((row) => JSON.parse(row.record) as CaseRecord),
      query.limit,
      (c) => [c.createdAt, c.id],
    );
  }

  async setStatus(id: string, status: CaseStatus, at: string, events: readonly NewCaseEvent[]): Promise<CaseRecord | null> {
    return this.events.write(events, () => {
      const row = this.statements.get.get(id);
      if (!row) return null;
      const record: CaseRecord = { ...(JSON.parse(row.record) as CaseRecord), status, updatedAt: at };
      this.statements.setStatus.run(status, JSON.stringify(record), id);
      return record;
    });
  }
}
