/**
 * Acknowledged edits per second from one SDK client to an in-process hub (embedded SQLite store,
 * group commit; or Redis when REDIS_URL is set): the client types N single characters, each its own update, and waits until the
 * hub has stored them all.
 *
 *   node --conditions=caseroom-source --import tsx bench/ack-throughput.ts [edits]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaseClient } from '@caseroom/client';
import { loadConfig, startHub } from '@caseroom/server';

const edits = Number(process.argv[2] ?? 5000);
const dataDir = mkdtempSync(join(tmpdir(), 'caseroom-bench-'));
const secret = 'caseroom-bench-secret-0123456789';
// With REDIS_URL set the hub runs on the Redis store (cluster mode), under a prefix of its own.
const redis = process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL, CASEROOM_REDIS_PREFIX: `bench:${process.pid}:` } : {};
const hub = await startHub(
  loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'silent', CASEROOM_JWT_SECRET: secret, ...redis }),
);
const token = await hub.tokens.mint({ userId: 'sue', name: 'Sue', role: 'supervisor', team: 'billing' });
await fetch(`${hub.url}/api/cases`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
  body: JSON.stringify({ id: 'bench', subject: 'bench' }),
});
const client = new CaseClient({ url: hub.url, token, transports: ['websocket'] });
const session = client.openCase('bench');
await session.synced;
const started = performance.now();
for (let i = 0; i < edits; i++) session.notes.insert(session.notes.length, 'x');
await session.flushed();
const seconds = (performance.now() - started) / 1000;
console.log(
  JSON.stringify({ store: hub.store.kind, edits, seconds: Number(seconds.toFixed(3)), ackedEditsPerSecond: Math.round(edits / seconds) }),
);
await client.close();
await hub.close();
rmSync(dataDir, { recursive: true, force: true });
