/**
 * What marks a SQLite file as a caseroom database, and which version of the tables it holds: the
 * header's application id and user version. Restoring a backup checks both before it replaces
 * anything, and the hub refuses a file made by a newer caseroom instead of writing into tables it
 * does not know.
 */
import { join } from 'node:path';
import type Database from 'better-sqlite3';

/** "CROM" in the header's application id field: no other program's files carry it. */
export const caseroomApplicationId = 0x43524f4d;

/**
 * The version of the tables this code reads and writes. Each aggregate still creates what it
 * lacks when the store opens (a column added later, say), so an older file is brought up to date.
 */
export const schemaVersion = 1;

/** The database of a data directory. */
export function databaseFile(dataDir: string): string {
  return join(dataDir, 'caseroom.sqlite');
}

export interface DatabaseMark {
  applicationId: number;
  version: number;
}

export function readDatabaseMark(db: Database.Database): DatabaseMark {
  return {
    applicationId: db.pragma('application_id', { simple: true }) as number,
    version: db.pragma('user_version', { simple: true }) as number,
  };
}

/**
 * The mark as the hub takes it: a file from before the mark existed (no application id, but the
 * case and event tables) is caseroom's, at version 0, and is marked when a hub opens it.
 */
export function effectiveMark(db: Database.Database): DatabaseMark {
  const mark = readDatabaseMark(db);
  return mark.applicationId === 0 && hasCaseTables(db) ? { ...mark, applicationId: caseroomApplicationId } : mark;
}

/** Why a marked file cannot be used by this code, or null when it can. */
export function markProblem(mark: DatabaseMark): string | null {
  if (mark.applicationId !== caseroomApplicationId) return 'it is not a caseroom database (its SQLite application id is not caseroom’s)';
  if (mark.version > schemaVersion)
    return `it was written by a newer caseroom (schema version ${mark.version}; this one reads up to ${schemaVersion})`;
  return null;
}

/**
 * Marks a database the store opens: a new (empty) file or one made before the mark existed gets
 * it; a file of another program or of a newer caseroom is refused.
 */
export function markCaseroomDatabase(db: Database.Database, file: string): void {
  const mark = readDatabaseMark(db);
  const tables = db.prepare<[], { n: number }>("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get()!.n;
  const ours = mark.applicationId === caseroomApplicationId || (mark.applicationId === 0 && (tables === 0 || hasCaseTables(db)));
  const problem = ours ? markProblem({ ...mark, applicationId: caseroomApplicationId }) : markProblem(mark);
  if (problem) throw new Error(`${file} cannot be opened: ${problem}`);
  if (mark.applicationId !== caseroomApplicationId) db.pragma(`application_id = ${caseroomApplicationId}`);
  if (mark.version < schemaVersion) db.pragma(`user_version = ${schemaVersion}`);
}

/** A file from before the mark: it holds the case and event tables. */
function hasCaseTables(db: Database.Database): boolean {
  const names = db
    .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('cases', 'events')")
    .all();
  return names.length === 2;
}
