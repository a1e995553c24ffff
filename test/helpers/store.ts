/**
 * Reads what the embedded store holds on disk, bypassing the hub: the SQLite file opened
 * read-only (safe next to a running hub in WAL mode, or after it stopped or was killed).
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import * as Y from 'yjs';

export interface StoredRows {
  /** rows of the case in `doc_updates` (the log not yet folded into a snapshot) */
  updates: number;
  /** whether `doc_snapshots` holds a snapshot of the case */
  snapshot: boolean;
}

function openReadOnly<T>(dataDir: string, read: (db: Database.Database) => T): T {
  const db = new Database(join(dataDir, 'caseroom.sqlite'), { readonly: true, fileMustExist: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

/** How a case's document is laid out in the store. */
export function storedRows(dataDir: string, caseId: string): StoredRows {
  return openReadOnly(dataDir, (db) => {
    const updates = db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM doc_updates WHERE case_id = ?').get(caseId)!.n;
    const snapshot = db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM doc_snapshots WHERE case_id = ?').get(caseId)!.n;
    return { updates, snapshot: snapshot > 0 };
  });
}

/** The case's document rebuilt from the store alone: its snapshot, then its logged updates in order. */
export function storedDocument(dataDir: string, caseId: string): Y.Doc {
  return openReadOnly(dataDir, (db) => {
    const doc = new Y.Doc();
    const snapshot = db.prepare<[string], { data: Buffer }>('SELECT data FROM doc_snapshots WHERE case_id = ?').get(caseId);
    if (snapshot) Y.applyUpdate(doc, new Uint8Array(snapshot.data));
    const rows = db.prepare<[string], { data: Buffer }>('SELECT data FROM doc_updates WHERE case_id = ? ORDER BY seq').all(caseId);
    for (const row of rows) Y.applyUpdate(doc, new Uint8Array(row.data));
    return doc;
  });
}
