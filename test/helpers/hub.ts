/** Starts real hubs for tests: in this process on port 0, or as a separate process to kill. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Identity } from '@caseroom/shared';
import { sue } from './people.js';
import { createClient } from 'redis';
import { loadConfig, startHub, Tokens, type Hub, type HubParts } from '@caseroom/server';
import { afterEach } from 'vitest';

export const testSecret = 'caseroom-test-secret-0123456789';
const repoRoot = resolve(import.meta.dirname, '../..');

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'caseroom-test-'));
}

export interface TestHub extends Hub {
  dataDir: string;
  /** Mints a token for `who`, a person of the people fixtures (test/helpers/people.ts). */
  token(who: Identity): Promise<string>;
  /** Creates a case over HTTP as a supervisor and returns its id. */
  createCase(fields?: { id?: string; subject?: string; team?: string }): Promise<string>;
  /** Closes the hub and removes its data directory (unless kept). */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

const tokens = new Tokens({ secret: testSecret });

/**
 * A token signed with the test secret for `who`: a person of the people fixtures, or a visible
 * variant of one (`{ ...ann, team: 'tech' }`). No default person: a test says whom it acts as.
 */
export function mintToken(who: Identity, expiresIn: string | number = '1h'): Promise<string> {
  return tokens.mint(who, expiresIn);
}

let caseCounter = 0;

/** Which store the integration suite runs against: `sqlite` (default) or `redis` (CASEROOM_TEST_STORE). */
export const testStore = process.env.CASEROOM_TEST_STORE === 'redis' ? 'redis' : 'sqlite';
export const testRedisUrl = process.env.CASEROOM_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Redis settings for a hub in a redis test run: its own key prefix per data dir, so runs never collide. */
export function redisEnv(dataDir: string): Record<string, string> {
  if (testStore !== 'redis') return {};
  return { REDIS_URL: testRedisUrl, CASEROOM_REDIS_PREFIX: `test:${basename(dataDir)}:` };
}

/** Deletes a test hub's Redis keys (under redis), so repeated runs do not pile up in a shared Redis. */
export async function forgetRedisKeys(dataDir: string): Promise<void> {
  const prefix = redisEnv(dataDir).CASEROOM_REDIS_PREFIX;
  if (prefix) await deleteRedisKeys(prefix);
}

/** Deletes every key under `prefix` in the test Redis. */
export async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = createClient({ url: testRedisUrl });
  await redis.connect();
  try {
    const match = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
    for await (const keys of redis.scanIterator({ MATCH: match, COUNT: 500 })) if (keys.length > 0) await redis.unlink(keys);
  } finally {
    await redis.close();
  }
}

/**
 * A hub in this process on 127.0.0.1:0 with its own data directory (and, under redis, key prefix);
 * `parts` replaces some of what it would build itself (its logger, see `capturedLogs`; how webhooks resolve names).
 */
export async function startTestHub(env: Record<string, string> = {}, dataDir = tempDataDir(), parts: HubParts = {}): Promise<TestHub> {
  const config = loadConfig({
    ...redisEnv(dataDir),
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: process.env.CASEROOM_TEST_LOG_LEVEL ?? 'silent',
    CASEROOM_JWT_SECRET: testSecret,
    ...env,
  });
  const hub = await startHub(config, parts);
  return {
    ...hub,
    close: () => hub.close(),
    dataDir,
    token: (who) => mintToken(who),
    createCase: (fields = {}) => createCaseOver(hub.url, fields),
    async stop(options) {
      await hub.close();
      if (options?.keepData) return;
      rmSync(dataDir, { recursive: true, force: true });
      await forgetRedisKeys(dataDir);
    },
  };
}

export async function createCaseOver(url: string, fields: { id?: string; subject?: string; team?: string } = {}): Promise<string> {
  const id = fields.id ?? `case-${process.pid}-${++caseCounter}`;
  // Sue of the people fixtures: a supervisor, who may create cases for any team.
  const token = await mintToken(sue);
  const res = await fetch(`${url}/api/cases`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ id, subject: fields.subject ?? 'Customer was charged twice', team: fields.team ?? 'billing' }),
  });
  if (res.status !== 201) throw new Error(`creating case failed: ${res.status} ${await res.text()}`);
  return id;
}

export interface HubProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** Resolves when the process has exited. */
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `server/src/main.ts` as its own process, the way `npm start` does, and waits until it listens. */
export async function spawnHub(dataDir: string, env: Record<string, string> = {}): Promise<HubProcess> {
  const child = spawn(process.execPath, ['--conditions=caseroom-source', '--import', 'tsx', 'server/src/main.ts'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      ...redisEnv(dataDir),
      LOG_LEVEL: 'info',
      CASEROOM_JWT_SECRET: testSecret,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stderr: string[] = [];
  child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; port?: number };
        if (entry.msg === 'hub listening' && entry.port) resolve(entry.port);
      } catch {
        // not a log line
      }
    });
    void exited.then((code) => reject(new Error(`hub exited with ${code} before listening: ${stderr.join('')}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    child,
    exited,
    kill(signal = 'SIGKILL') {
      child.kill(signal);
      return exited;
    },
  };
}

/**
 * Hub processes and data directories a test file starts: after each test the processes are
 * killed and the directories (and, under redis, their keys) removed.
 */
export function killedAfterEach(): { processes: HubProcess[]; dataDirs: string[] } {
  const owned = { processes: [] as HubProcess[], dataDirs: [] as string[] };
  afterEach(async () => {
    await Promise.all(owned.processes.splice(0).map((hub) => hub.kill('SIGKILL')));
    for (const dir of owned.dataDirs.splice(0)) {
      rmSync(dir, { recursive: true, force: true });
      await forgetRedisKeys(dir);
    }
  });
  return owned;
}
