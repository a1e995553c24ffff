/**
 * The mark of a caseroom database (SQLite's application id and user version): the embedded store
 * marks what it opens, brings a file made before the mark along, and refuses another program's
 * file or one written by a newer caseroom instead of writing into it.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from '@caseroom/server';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDataDir } from '../helpers/hub.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = tempDataDir();
  dirs.push(dir);
  return dir;
}

function marks(dir: string): { applicationId: unknown; version: unknown } {
  const db = new Database(join(dir, 'caseroom.sqlite'), { readonly: true });
  try {
    return { applicationId: db.pragma('application_id', { simple: true }), version: db.pragma('user_version', { simple: true }) };
  } finally {
    db.close();
  }
}

function withDatabase(dir: string, change: (db: Database.Database) => void): void {
  const db = new Database(join(dir, 'caseroom.sqlite'));
  change(db);
  db.close();
}

describe('the embedded store’s database mark', () => {
  it('marks a new database, and a database made before the mark', async () => {
    const dir = dataDir();
    await new SqliteStore({ dataDir: dir, synchronous: 'normal' }).close();
    expect(marks(dir)).toEqual({ applicationId: 0x43524f4d, version: 1 });
    withDatabase(dir, (db) => db.exec('PRAGMA application_id = 0; PRAGMA user_version = 0;'));
    await new SqliteStore({ dataDir: dir, synchronous: 'normal' }).close();
    expect(marks(dir)).toEqual({ applicationId: 0x43524f4d, version: 1 });
  });

  it('refuses another program’s database and one written by a newer caseroom, changing neither', () => {
    const other = dataDir();
    withDatabase(other, (db) => db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY)'));
    expect(() => new SqliteStore({ dataDir: other, synchronous: 'normal' })).toThrow(/not a caseroom database/);
    expect(marks(other)).toEqual({ applicationId: 0, version: 0 });

    const newer = dataDir();
    withDatabase(newer, (db) => db.exec(`PRAGMA application_id = ${0x43524f4d}; PRAGMA user_version = 7;`));
    expect(() => new SqliteStore({ dataDir: newer, synchronous: 'normal' })).toThrow(/newer caseroom \(schema version 7/);
    expect(marks(newer)).toEqual({ applicationId: 0x43524f4d, version: 7 });
  });
});
