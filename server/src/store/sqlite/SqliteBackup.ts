/**
 * Backups of the embedded store taken while the hub serves, and restoring one into a data
 * directory. A backup is SQLite's online backup from a connection of its own (the hub's WAL lets
 * it read while the hub writes): it copies every page in one step, so it is one consistent
 * moment of the database. Restoring writes the new file beside the old and renames it over, so
 * a crash at any point leaves either the old database or the new one, never half of either.
 */
import { closeSync, copyFileSync, existsSync, fsyncSync, linkSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { databaseFile, effectiveMark, markProblem, type DatabaseMark } from './SqliteSchema.js';

/** Why a backup or a restore was refused; the message tells the operator what to do. */
export class BackupRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupRefused';
  }
}

export interface BackupResult {
  file: string;
  bytes: number;
  mark: DatabaseMark;
}

/** The largest page count `backup.transfer` takes: the whole database in the step after the first. */
const allPages = 0x7fffffff;

/**
 * Copies the database of `dataDir` to `out` while the hub keeps writing. The copy is written
 * beside `out` and renamed into place once it is whole and checked, standing alone (no -wal).
 */
export async function backupDatabase(dataDir: string, out: string): Promise<BackupResult> {
  const source = databaseFile(dataDir);
  if (!existsSync(source)) throw new BackupRefused(`There is no caseroom database in ${resolve(dataDir)} (no ${basename(source)})`);
  const target = resolve(out);
  const partial = join(dirname(target), `.${basename(target)}.partial`);
  rmSync(partial, { force: true });
  const db = new Database(source, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const problem = markProblem(effectiveMark(db));
    if (problem) throw new BackupRefused(`${source} cannot be backed up: ${problem}`);
    // One step for every page: one read transaction, so no write of the hub lands half in the copy.
    await db.backup(partial, { progress: () => allPages });
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  } finally {
    db.close();
  }
  const mark = checkDatabaseFile(partial, { standAlone: true });
  syncFile(partial);
  renameSync(partial, target);
  syncFile(dirname(target));
  return { file: target, bytes: statSync(target).size, mark };
}

/**
 * Opens `file` (read-write: a WAL database is read through its -shm), checks it is a whole
 * caseroom database this code can use, and closes it. With `standAlone` the file is left in
 * rollback-journal mode, a single file that can be copied, mailed or archived on its own.
 */
export function checkDatabaseFile(file: string, options: { standAlone?: boolean } = {}): DatabaseMark {
  let db: Database.Database;
  try {
    db = new Database(file, { fileMustExist: true });
  } catch (err) {
    throw new BackupRefused(`${file} cannot be opened: ${(err as Error).message}`);
  }
  try {
    let mark: DatabaseMark;
    try {
      // A backup made before databases were marked restores as the hub would open it.
      mark = effectiveMark(db);
    } catch {
      throw new BackupRefused(`${file} is not a caseroom database (not a SQLite database at all)`);
    }
    const problem = markProblem(mark);
    if (problem) throw new BackupRefused(`${file} cannot be restored: ${problem}`);
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new BackupRefused(`${file} is damaged: SQLite's check says ${String(check)}`);
    if (options.standAlone) db.pragma('journal_mode = DELETE');
    return mark;
  } finally {
    db.close();
  }
}

/**
 * Whether a process has the database of `dataDir` open. SQLite's last connection to close a WAL
 * database checkpoints it and deletes its -wal file; so this opens it, reads, closes, and looks:
 * a -wal file left behind means another connection (a hub) still has it open. When nobody does,
 * the close has also folded the log into the file, which a restore then replaces whole.
 */
export function databaseInUse(dataDir: string): boolean {
  const file = databaseFile(dataDir);
  if (!existsSync(file)) return false;
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    db.prepare('SELECT count(*) FROM sqlite_master').get();
  } finally {
    db.close();
  }
  return existsSync(`${file}-wal`);
}

export interface RestoreResult {
  file: string;
  /** where the database it replaced was kept, or null when there was none */
  previous: string | null;
  mark: DatabaseMark;
}

/**
 * Puts the backup `from` in place as the database of `dataDir`. Refused, changing nothing, while
 * a hub has that database open, or when `from` is not a whole caseroom database. The database
 * replaced is kept beside it as `caseroom.sqlite.before-restore-<time>`.
 */
export function restoreDatabase(dataDir: string, from: string, now = new Date()): RestoreResult {
  const source = resolve(from);
  if (!existsSync(source)) throw new BackupRefused(`There is no file ${source} to restore from`);
  checkDatabaseFile(source);
  const target = databaseFile(dataDir);
  if (!existsSync(dataDir)) throw new BackupRefused(`The data directory ${resolve(dataDir)} does not exist`);
  if (databaseInUse(dataDir))
    throw new BackupRefused(`A hub is using ${resolve(dataDir)} (its database is open): stop it, then restore again`);
  const incoming = `${target}.restoring`;
  rmSync(incoming, { force: true });
  rmSync(`${incoming}-journal`, { force: true });
  try {
    copyFileSync(source, incoming);
    // The copy itself is checked, not only the file it came from: it is what the hub will open.
    const mark = checkDatabaseFile(incoming, { standAlone: true });
    syncFile(incoming);
    let previous: string | null = null;
    if (existsSync(target)) {
      previous = `${target}.before-restore-${now.toISOString().replace(/[:.]/g, '-')}`;
      linkSync(target, previous);
      // A log left beside the old file would be replayed into the new one: it goes with the old.
      for (const suffix of ['-wal', '-shm']) if (existsSync(target + suffix)) renameSync(target + suffix, previous + suffix);
    }
    renameSync(incoming, target);
    syncFile(dirname(target));
    return { file: target, previous, mark };
  } finally {
    rmSync(incoming, { force: true });
  }
}

/** Flushes a file (or a directory's entries) to disk. */
function syncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
