/**
 * Case documents in the embedded store: a table of logged updates and one of snapshots. Updates
 * are group-committed: every update appended during one turn of the event loop goes into a single
 * transaction, and each caller's promise resolves only after that transaction has committed.
 */
import type Database from 'better-sqlite3';
import { storedDocument, type DocumentStore, type StoredDocument } from '../DocumentStore.js';

const schema = `
CREATE TABLE IF NOT EXISTS doc_updates (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  case_id TEXT NOT NULL,
  data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS doc_updates_by_case ON doc_updates (case_id, seq);
CREATE TABLE IF NOT EXISTS doc_snapshots (
  case_id TEXT PRIMARY KEY,
  data BLOB NOT NULL,
  through_seq INTEGER NOT NULL
);
`;

interface PendingAppend {
  caseId: string;
  update: Uint8Array;
  resolve: (seq: number) => void;
  reject: (err: unknown) => void;
}

export class SqliteDocuments implements DocumentStore {
  private pending: PendingAppend[] = [];
  private commitScheduled: NodeJS.Immediate | null = null;
  private readonly statements;

  constructor(private readonly db: Database.Database) {
    db.exec(schema);
    this.statements = {
      append: db.prepare('INSERT INTO doc_updates (case_id, data) VALUES (?, ?)'),
      snapshot: db.prepare<[string], { data: Buffer; through_seq: number }>(
        'SELECT data, through_seq FROM doc_snapshots WHERE case_id = ?',
      ),
      snapshotSeq: db.prepare<[string], { through_seq: number }>('SELECT through_seq FROM doc_snapshots WHERE case_id = ?'),
      updates: db.prepare<[string], { seq: number; data: Buffer }>('SELECT seq, data FROM doc_updates WHERE case_id = ? ORDER BY seq'),
      putSnapshot: db.prepare(
        'INSERT INTO doc_snapshots (case_id, data, through_seq) VALUES (?, ?, ?) ON CONFLICT (case_id) DO UPDATE SET data = excluded.data, through_seq = excluded.through_seq',
      ),
      dropUpdates: db.prepare('DELETE FROM doc_updates WHERE case_id = ? AND seq <= ?'),
    };
  }

  append(caseId: string, update: Uint8Array): Promise<number> {
    return new Promise((resolve, reject) => {
      this.pending.push({ caseId, update, resolve, reject });
      this.commitScheduled ??= setImmediate(() => this.commitPending());
    });
  }

  /** Commits every pending update in one transaction (the store calls it on close, too). */
  commitPending(): void {
    if (this.commitScheduled) clearImmediate(this.commitScheduled);
    this.commitScheduled = null;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    try {
      const seqs = this.db.transaction(() => batch.map((p) => Number(this.statements.append.run(p.caseId, p.update).lastInsertRowid)))();
      batch.forEach((p, i) => p.resolve(seqs[i]!));
    } catch (err) {
      for (const p of batch) p.reject(err);
    }
  }

  async load(caseId: string): Promise<StoredDocument> {
    const snapshot = this.statements.snapshot.get(caseId);
    const updates = this.statements.updates.all(caseId);
    return storedDocument(snapshot ? { data: snapshot.data, throughSeq: snapshot.through_seq } : null, updates);
  }

  async compact(caseId: string, snapshot: Uint8Array, throughSeq: number): Promise<void> {
    this.db.transaction(() => {
      if (throughSeq <= (this.statements.snapshotSeq.get(caseId)?.through_seq ?? 0)) return;
      this.statements.putSnapshot.run(caseId, snapshot, throughSeq);
      this.statements.dropUpdates.run(caseId, throughSeq);
    })();
  }
}
