/**
 * Cold join of a long-running case: a case whose history is N small updates (default 100,000),
 * a freshly started hub process, and one SDK client; prints how long until the client is synced.
 *
 *   node --conditions=caseroom-source --import tsx bench/cold-join.ts [updates] [--no-snapshot]
 *
 * The history is written straight into a SQLite store (as the hub would have logged it); with
 * --no-snapshot the log is left uncompacted, so the hub pays for folding it on first load.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { CaseClient } from '@caseroom/client';
import { SqliteStore, Tokens } from '@caseroom/server';
import * as Y from 'yjs';

const updates = Number(process.argv[2] ?? 100_000);
const snapshot = !process.argv.includes('--no-snapshot');
const secret = 'caseroom-bench-secret-0123456789';
const dataDir = mkdtempSync(join(tmpdir(), 'caseroom-bench-'));
const repoRoot = resolve(import.meta.dirname, '..');

async function prepare(): Promise<void> {
  const store = new SqliteStore({ dataDir, synchronous: 'normal' });
  const at = new Date().toISOString();
  await store.createCase(
    {
      id: 'long-case',
      subject: 'A long-running case',
      team: 'billing',
      status: 'open',
      customer: null,
      createdAt: at,
      createdBy: 'bench',
      updatedAt: at,
    },
    [],
  );
  const doc = new Y.Doc();
  const notes = doc.getText('notes');
  const pending: Promise<number>[] = [];
  let last = 0;
  doc.on('update', (update: Uint8Array) => pending.push(store.appendUpdate('long-case', update).then((seq) => (last = seq))));
  for (let i = 0; i < updates; i++) {
    // Typing: mostly inserts at the end, now and then a deletion.
    if (i % 10 === 9 && notes.length > 0) notes.delete(notes.length - 1, 1);
    else notes.insert(notes.length, String.fromCharCode(97 + (i % 26)));
    if (pending.length >= 5_000) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  if (snapshot) await store.compact('long-case', Y.encodeStateAsUpdate(doc), last);
  await store.close();
}

/** Starts the hub as `npm start` would; `loadMs` resolves with the hub's own timing of the room load. */
async function startHub(): Promise<{ url: string; loadMs: Promise<number>; stop: () => void }> {
  const child = spawn(process.execPath, ['--conditions=caseroom-source', '--import', 'tsx', 'server/src/main.ts'], {
    cwd: repoRoot,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'debug', CASEROOM_JWT_SECRET: secret },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let onLoad!: (ms: number) => void;
  const loadMs = new Promise<number>((resolveLoad) => (onLoad = resolveLoad));
  const port = await new Promise<number>((resolvePort) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; port?: number; loadMs?: number };
      if (entry.msg === 'hub listening' && entry.port) resolvePort(entry.port);
      if (entry.msg === 'case room loaded' && entry.loadMs !== undefined) onLoad(entry.loadMs);
    });
  });
  return { url: `http://127.0.0.1:${port}`, loadMs, stop: () => child.kill('SIGTERM') };
}

await prepare();
const hub = await startHub();
const token = await new Tokens({ secret }).mint({ userId: 'bench', name: 'Bench', role: 'agent', team: 'billing' });
const client = new CaseClient({ url: hub.url, token, transports: ['websocket'] });
await new Promise<void>((resolveConnected) => client.on('status', (s) => s === 'connected' && resolveConnected()));
const started = performance.now();
const session = client.openCase('long-case');
await session.synced;
const elapsed = performance.now() - started;
console.log(
  JSON.stringify({
    updates,
    snapshot,
    coldJoinMs: Number(elapsed.toFixed(1)),
    hubLoadMs: await hub.loadMs,
    notesLength: session.notes.length,
    machine: `${process.platform} ${process.arch}, node ${process.version}`,
  }),
);
await client.close();
hub.stop();
rmSync(dataDir, { recursive: true, force: true });
