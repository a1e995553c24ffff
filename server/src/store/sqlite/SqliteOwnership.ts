/**
 * Case ownership in the embedded store: one row per case from its first change on (the epoch and
 * the state), and one history line per epoch.
 */
import { unowned, type Ownership, type OwnershipRecord } from '@caseroom/shared';
import type Database from 'better-sqlite3';
import type { NewCaseEvent } from '../EventStore.js';
import { requiredStoredEpoch, type OwnershipStore } from '../OwnershipStore.js';
import type { SqliteEvents } from './SqliteEvents.js';

const schema = `
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
`;

export class SqliteOwnership implements OwnershipStore {
  private readonly statements;

  constructor(
    db: Database.Database,
    private readonly events: SqliteEvents,
  ) {
    db.exec(schema);
    this.statements = {
      get: db.prepare<[string], { state: string }>('SELECT state FROM ownership WHERE case_id = ?'),
      insert: db.prepare('INSERT INTO ownership (case_id, epoch, state) VALUES (?, ?, ?) ON CONFLICT (case_id) DO NOTHING'),
      update: db.prepare('UPDATE ownership SET epoch = ?, state = ? WHERE case_id = ? AND epoch = ?'),
      addHistory: db.prepare('INSERT INTO ownership_history (case_id, epoch, record) VALUES (?, ?, ?)'),
      history: db.prepare<[string], { record: string }>('SELECT record FROM ownership_history WHERE case_id = ? ORDER BY epoch'),
    };
  }

  async get(caseId: string): Promise<Ownership> {
    const row = this.statements.get.get(caseId);
    return row ? (JSON.parse(row.state) as Ownership) : unowned;
  }

  async save(
    caseId: string,
    expectedEpoch: number,
    next: Ownership,
    record: OwnershipRecord | null,
    events: readonly NewCaseEvent[],
  ): Promise<boolean> {
    const required = requiredStoredEpoch(expectedEpoch);
    const state = JSON.stringify(next);
    return this.events.write(events, () => {
      const written =
        required === null
          ? this.statements.insert.run(caseId, next.epoch, state)
          : this.statements.update.run(next.epoch, state, caseId, required);
      if (written.changes !== 1) return false;
      if (record) this.statements.addHistory.run(caseId, record.epoch, JSON.stringify(record));
      return true;
    });
  }

  async history(caseId: string): Promise<OwnershipRecord[]> {
    return this.statements.history.all(caseId).map((row) => JSON.parse(row.record) as OwnershipRecord);
  }
}
