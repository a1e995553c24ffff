/**
 * Approval requests in the embedded store: the record as JSON, with the columns listings and the
 * expiry sweep filter on beside it.
 */
import type { Approval, Page } from '@caseroom/shared';
import type Database from 'better-sqlite3';
import { approvalAlreadyStored, type ApprovalQuery, type ApprovalStore } from '../ApprovalStore.js';
import { pageOf } from '../cursor.js';
import type { NewCaseEvent } from '../EventStore.js';
import { SqlFilter } from './SqlFilter.js';
import type { SqliteEvents } from './SqliteEvents.js';

const schema = `
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
`;

const parsed = (row: { record: string }): Approval => JSON.parse(row.record) as Approval;

export class SqliteApprovals implements ApprovalStore {
  private readonly statements;

  constructor(
    private readonly db: Database.Database,
    private readonly events: SqliteEvents,
  ) {
    db.exec(schema);
    this.statements = {
      insert: db.prepare(
        'INSERT INTO approvals (id, case_id, team, status, requested_at, expires_at, reviewed, version, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      get: db.prepare<[string], { record: string }>('SELECT record FROM approvals WHERE id = ?'),
      update: db.prepare('UPDATE approvals SET status = ?, reviewed = ?, version = ?, record = ? WHERE id = ? AND version = ?'),
      due: db.prepare<[string, number], { record: string }>(
        "SELECT record FROM approvals WHERE status = 'pending' AND expires_at <= ? ORDER BY expires_at LIMIT ?",
      ),
      nextExpiry: db.prepare<[], { at: string | null }>("SELECT min(expires_at) AS at FROM approvals WHERE status = 'pending'"),
    };
  }

  async create(approval: Approval, events: readonly NewCaseEvent[]): Promise<void> {
    this.events.write(events, () => {
      if (this.statements.get.get(approval.id)) throw approvalAlreadyStored(approval.id);
      return this.statements.insert.run(
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
    });
  }

  async get(id: string): Promise<Approval | null> {
    const row = this.statements.get.get(id);
    return row ? parsed(row) : null;
  }

  async save(next: Approval, expectedVersion: number, events: readonly NewCaseEvent[]): Promise<boolean> {
    return this.events.write(events, () => {
      const reviewed = next.review ? 1 : 0;
      return this.statements.update.run(next.status, reviewed, next.version, JSON.stringify(next), next.id, expectedVersion).changes === 1;
    });
  }

  async list(query: ApprovalQuery): Promise<Page<Approval>> {
    const filter = new SqlFilter()
      .equals('case_id', query.caseId)
      .equals('team', query.team)
      .within('status', query.statuses)
      .equals('reviewed', query.reviewed)
      .pastCursor('requested_at', query.cursor, 'asc');
    const sql = `SELECT record FROM approvals ${filter} ORDER BY requested_at, id LIMIT ?`;
    const rows = this.db.prepare<unknown[], { record: string }>(sql).all(...filter.params, query.limit + 1);
    return pageOf(rows.map(parsed), query.limit, (a) => [a.requestedAt, a.id]);
  }

  async due(now: string, limit: number): Promise<Approval[]> {
    return this.statements.due.all(now, limit).map(parsed);
  }

  async nextExpiry(): Promise<string | null> {
    return this.statements.nextExpiry.get()?.at ?? null;
  }
}
