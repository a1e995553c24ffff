/**
 * Backups of the embedded store taken while the hub serves (`npm run backup`), and restoring one
 * (`npm run restore`): the scripts run as child processes, as an operator runs them.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { caseAsStored, keepWriting, livedCase, quickNotes } from '../helpers/caseHistory.js';
import { api } from '../helpers/http.js';
import { mintToken, startTestHub, tempDataDir, type TestHub } from '../helpers/hub.js';
import { runTool } from '../helpers/operatorTools.js';
import { sue } from '../helpers/people.js';
import { openStore } from '../helpers/store.js';
import { pollUntil } from '../helpers/wait.js';

const hubs: TestHub[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const hub of hubs.splice(0).reverse()) await hub.stop();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function hubOn(dataDir?: string, env: Record<string, string> = {}): Promise<TestHub> {
  const hub = await startTestHub({ ...quickNotes, ...env }, dataDir);
  hubs.push(hub);
  return hub;
}

function scratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'caseroom-backups-'));
  dirs.push(dir);
  return dir;
}

function emptyDataDir(): string {
  const dir = tempDataDir();
  dirs.push(dir);
  return dir;
}

const digest = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

/** A case over HTTP as the hub shows it: record, owner, history, document. */
async function caseOverHttp(hub: TestHub, caseId: string): Promise<unknown> {
  const answer = await api(hub.url, `/api/cases/${caseId}`, { token: await mintToken(sue) });
  expect(answer.status).toBe(200);
  return answer.body;
}

describe('npm run backup', () => {
  it('copies one moment of the database while clients keep editing and claiming, and a hub serves the copy after a restore', async () => {
    const source = await hubOn();
    const quiet = [await livedCase(source, 'lived-1'), await livedCase(source, 'lived-2')];
    const busy = [await source.createCase({ id: 'busy-1' }), await source.createCase({ id: 'busy-2' })];
    const writers = await Promise.all(busy.map((caseId) => keepWriting(source, caseId)));
    const eventsOf = async (caseId: string) => (await source.store.events.forCase(caseId, 0, 100_000)).length;
    await pollUntil('the writers to be under way', async () => (await eventsOf('busy-1')) >= 5);

    const before = await eventsOf('busy-1');
    const backups = scratchDir();
    const during = await runTool('backup', ['--out', join(backups, 'during.sqlite')], { DATA_DIR: source.dataDir });
    expect(during.stderr).not.toMatch(/failed/);
    expect(during.code).toBe(0);
    expect(during.stdout).toMatch(/backed up .* to .*during\.sqlite/);
    // The hub kept taking writes while the backup ran, and goes on after it.
    const atEnd = await Promise.all(busy.map(eventsOf));
    expect(atEnd[0]).toBeGreaterThan(before);
    await pollUntil('writes after the backup', async () => (await Promise.all(busy.map(eventsOf))).every((n, i) => n > atEnd[i]!));
    const rounds = await Promise.all(writers.map((writer) => writer.stop()));
    expect(Math.min(...rounds)).toBeGreaterThan(0);

    const restoredDir = emptyDataDir();
    const restore = await runTool('restore', ['--from', join(backups, 'during.sqlite')], { DATA_DIR: restoredDir });
    expect(restore.code).toBe(0);
    const restored = await hubOn(restoredDir);

    // The quiet cases are whole, through the store and over HTTP.
    for (const caseId of quiet) {
      expect(await caseAsStored(restored.store, caseId)).toEqual(await caseAsStored(source.store, caseId));
      expect(await caseOverHttp(restored, caseId)).toEqual(await caseOverHttp(source, caseId));
    }
    // The busy ones are the source as it was at one moment: a beginning of everything it holds now.
    for (const caseId of busy) {
      const copy = await caseAsStored(restored.store, caseId);
      const now = await caseAsStored(source.store, caseId);
      expect(copy.events.length).toBeGreaterThan(0);
      expect(copy.events.length).toBeLessThan(now.events.length);
      expect(now.events.slice(0, copy.events.length)).toEqual(copy.events);
      expect(now.history.slice(0, copy.history.length)).toEqual(copy.history);
      // Ownership, its history and its events were written together: the copy has all three or none.
      expect(copy.ownership.epoch).toBe(copy.history.at(-1)?.epoch ?? 0);
      expect(copy.events.filter((e) => e.type.startsWith('owner.')).length).toBe(copy.history.length);
      const notes = (doc: { content: Record<string, unknown> }) => String(doc.content.notes ?? '');
      expect(notes(now.document).startsWith(notes(copy.document))).toBe(true);
    }

    // Taken once nobody writes, a backup equals the source in every case.
    const after = await runTool('backup', ['--out', join(backups, 'after.sqlite')], { DATA_DIR: source.dataDir });
    expect(after.code).toBe(0);
    const afterDir = emptyDataDir();
    expect((await runTool('restore', ['--from', join(backups, 'after.sqlite')], { DATA_DIR: afterDir })).code).toBe(0);
    const copy = await openStore(afterDir);
    try {
      for (const caseId of [...quiet, ...busy]) expect(await caseAsStored(copy, caseId)).toEqual(await caseAsStored(source.store, caseId));
      expect(await copy.people.everyone()).toEqual(await source.store.people.everyone());
    } finally {
      await copy.close();
    }
  });
});

describe('npm run restore', () => {
  it('refuses a file that is not a caseroom database, changing nothing', async () => {
    const hub = await hubOn();
    const caseId = await hub.createCase();
    await hub.stop({ keepData: true });
    hubs.splice(hubs.indexOf(hub), 1);
    dirs.push(hub.dataDir);
    const database = join(hub.dataDir, 'caseroom.sqlite');
    const kept = digest(database);
    const files = readdirSync(hub.dataDir).sort();

    const scratch = scratchDir();
    const text = join(scratch, 'notes.txt');
    writeFileSync(text, 'these are not the cases you are looking for\n'.repeat(200));
    const foreign = join(scratch, 'other-app.sqlite');
    const other = new Database(foreign);
    other.exec('CREATE TABLE cases (id TEXT PRIMARY KEY); CREATE TABLE events (id INTEGER PRIMARY KEY);');
    other.pragma('application_id = 1234');
    other.close();

    for (const file of [text, foreign, join(scratch, 'missing.sqlite')]) {
      const refused = await runTool('restore', ['--from', file], { DATA_DIR: hub.dataDir });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^restore failed: .*(not a caseroom database|There is no file)/);
      expect(digest(database)).toBe(kept);
      expect(readdirSync(hub.dataDir).sort()).toEqual(files);
    }
    const again = await hubOn(hub.dataDir);
    expect((await again.store.cases.get(caseId))?.id).toBe(caseId);
  });

  it('restores a copy made before databases were marked, as the hub opens one', async () => {
    const source = await hubOn();
    const caseId = await source.createCase();
    await source.stop({ keepData: true });
    hubs.splice(hubs.indexOf(source), 1);
    dirs.push(source.dataDir);
    const scratch = scratchDir();
    const old = join(scratch, 'before-the-mark.sqlite');
    const copy = new Database(join(source.dataDir, 'caseroom.sqlite'));
    await copy.backup(old);
    copy.close();
    const unmarked = new Database(old);
    unmarked.exec('PRAGMA application_id = 0; PRAGMA user_version = 0;');
    unmarked.close();

    const target = emptyDataDir();
    const restored = await runTool('restore', ['--from', old], { DATA_DIR: target });
    expect(restored.stderr).toBe('');
    expect(restored.code).toBe(0);
    const hub = await hubOn(target);
    expect((await hub.store.cases.get(caseId))?.id).toBe(caseId);
  });

  it('refuses while a hub uses the data directory, and restores once it has stopped, keeping the database it replaces', async () => {
    const hub = await hubOn();
    const early = await hub.createCase({ id: 'early' });
    const backup = join(scratchDir(), 'early.sqlite');
    expect((await runTool('backup', ['--out', backup], { DATA_DIR: hub.dataDir })).code).toBe(0);
    const late = await hub.createCase({ id: 'late' });

    const refused = await runTool('restore', ['--from', backup], { DATA_DIR: hub.dataDir });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/A hub is using .*: stop it, then restore again/);
    expect((await hub.store.cases.get(late))?.id).toBe(late);

    await hub.stop({ keepData: true });
    hubs.splice(hubs.indexOf(hub), 1);
    dirs.push(hub.dataDir);
    const restored = await runTool('restore', ['--from', backup], { DATA_DIR: hub.dataDir });
    expect(restored.code).toBe(0);
    const previous = /kept as (\S+)/.exec(restored.stdout)?.[1];
    expect(previous && existsSync(previous)).toBe(true);
    expect(readdirSync(hub.dataDir).filter((name) => name.endsWith('.restoring'))).toEqual([]);

    const again = await hubOn(hub.dataDir);
    expect((await again.store.cases.get(early))?.id).toBe(early);
    expect(await again.store.cases.get(late)).toBeNull();
  });
});
