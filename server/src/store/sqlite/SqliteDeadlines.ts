/**
 * Step deadlines in the embedded store: one row per (case, step), indexed by when it falls due.
 * Firing deletes the row only if it still holds the same time, in the transaction that stores the
 * `step.overdue` event.
 */
import type Database from 'better-sqlite3';
import type { DeadlineStore, StepDeadline } from '../DeadlineStore.js';
import type { NewCaseEvent } from '../EventStore.js';
import type { SqliteEvents } from './SqliteEvents.js';

const schema = `
CREATE TABLE IF NOT EXISTS step_deadlines (
  case_id TEXT NOT NULL,
  step_id TEXT NOT NULL,
  due_at INTEGER NOT NULL,
  PRIMARY KEY (case_id, step_id)
);
CREATE INDEX IF NOT EXISTS step_deadlines_by_time ON step_deadlines (due_at);
`;

interface DeadlineRow {
  case_id: string;
  step_id: string;
  due_at: number;
}

export class SqliteDeadlines implements DeadlineStore {
  private readonly statements;

  constructor(
    db: Database.Database,
    private readonly events: SqliteEvents,
  ) {
    db.exec(schema);
    this.statements = {
      set: db.prepare(
        'INSERT INTO step_deadlines (case_id, step_id, due_at) VALUES (?, ?, ?) ON CONFLICT (case_id, step_id) DO UPDATE SET due_at = excluded.due_at',
      ),
      clear: db.prepare('DELETE FROM step_deadlines WHERE case_id = ? AND step_id = ?'),
      due: db.prepare<[number, number], DeadlineRow>('SELECT * FROM step_deadlines WHERE due_at <= ? ORDER BY due_at LIMIT ?'),
      next: db.prepare<[], { at: number | null }>('SELECT min(due_at) AS at FROM step_deadlines'),
      fire: db.prepare('DELETE FROM step_deadlines WHERE case_id = ? AND step_id = ? AND due_at = ?'),
    };
  }

  async set(caseId: string, stepId: string, dueAt: number): Promise<void> {
    this.statements.set.run(caseId, stepId, dueAt);
  }

  async clear(caseId: string, stepId: string): Promise<void> {
    this.statements.clear.run(caseId, stepId);
  }

  async due(now: number, limit: number): Promise<StepDeadline[]> {
    return this.statements.due.all(now, limit).map((row) => ({ caseId: row.case_id, stepId: row.step_id, dueAt: row.due_at }));
  }

  async next(): Promise<number | null> {
    return this.statements.next.get()?.at ?? null;
  }

  async fire(caseId: string, stepId: string, dueAt: number, events: readonly NewCaseEvent[]): Promise<boolean> {
    return this.events.write(events, () => this.statements.fire.run(caseId, stepId, dueAt).changes === 1);
  }
}
