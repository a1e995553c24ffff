/**
 * Starts a server under test as its own process: caseroom's hub as `npm start` runs it, or one of
 * the peer scripts (compiled by `compilePeers`). Every server gets the same preload, which runs a
 * full GC on request, so RSS can be compared after collection.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import type { ServerKind } from './targets.js';

export const benchRoot = resolve(import.meta.dirname, '..');
export const repoRoot = resolve(benchRoot, '..');
const distDir = join(benchRoot, 'dist');
export const benchSecret = 'caseroom-bench-secret-0123456789';

/** Compiles the peer servers and the preload to plain JavaScript, so no TypeScript loader runs inside a server under test. */
export async function compilePeers(): Promise<void> {
  await build({
    entryPoints: [
      join(benchRoot, 'src/serverPreload.ts'),
      join(benchRoot, 'src/peers/hocuspocus.ts'),
      join(benchRoot, 'src/peers/yWebsocket.ts'),
    ],
    outdir: distDir,
    outbase: join(benchRoot, 'src'),
    outExtension: { '.js': '.mjs' },
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });
}

export interface ServerOptions {
  dataDir: string;
  /** extra environment (e.g. REDIS_URL for caseroom cluster nodes) */
  env?: Record<string, string>;
  /** write a CPU profile of the server to this directory when it exits */
  profileDir?: string | null;
}

export interface ServerProcess {
  kind: ServerKind;
  pid: number;
  port: number;
  httpUrl: string;
  wsUrl: string;
  /** RSS from /proc/<pid>/status after a full GC inside the server, in bytes. */
  rssAfterGc(): Promise<number>;
  /** RSS and the JavaScript heap in use after a full GC inside the server, in bytes. */
  memoryAfterGc(): Promise<MemoryAfterGc>;
  /** resolves with the exit code (null: killed by a signal) when the process exits */
  exited: Promise<number | null>;
  /** the last lines the process wrote (stdout and stderr), to say why it exited */
  lastOutput(): string;
  stop(): Promise<void>;
}

export interface MemoryAfterGc {
  rss: number;
  heapUsed: number;
}

/** Settings that keep caseroom's limits out of the way of the load, and its log quiet. */
export const caseroomBenchEnv: Record<string, string> = {
  NODE_ENV: 'development',
  LOG_LEVEL: 'warn',
  CASEROOM_JWT_SECRET: benchSecret,
  CASEROOM_DEV_LOGIN: 'on',
  CASEROOM_MAX_MESSAGE_BYTES: String(64 * 1024 * 1024),
  // Room for the whole history of the cold-join case in one message; the send backlog must hold
  // a document and a message. Rate limits are off: typing a long history is a burst on purpose.
  CASEROOM_MAX_SEND_BACKLOG_BYTES: String(256 * 1024 * 1024),
  CASEROOM_RATE_MESSAGES_PER_S: '0',
  CASEROOM_RATE_BYTES_PER_S: '0',
};

function caseroomSettingsFromEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[0].startsWith('CASEROOM_')));
}

/**
 * Node flags for every server the bench starts, from CASEROOM_BENCH_NODE_ARGS (space-separated):
 * for looking inside a run, e.g. `--heapsnapshot-signal=SIGUSR2` to write a heap snapshot on a signal.
 */
function extraNodeArgs(): string[] {
  return (process.env.CASEROOM_BENCH_NODE_ARGS ?? '').split(' ').filter((arg) => arg.length > 0);
}

export async function startServer(kind: ServerKind, options: ServerOptions): Promise<ServerProcess> {
  const port = await freePort();
  const script =
    kind === 'caseroom'
      ? join(repoRoot, 'server/dist/main.js')
      : join(distDir, kind === 'hocuspocus' ? 'peers/hocuspocus.mjs' : 'peers/yWebsocket.mjs');
  const execArgv = ['--expose-gc', '--import', pathToFileURL(join(distDir, 'serverPreload.mjs')).href, ...extraNodeArgs()];
  if (options.profileDir) {
    mkdirSync(options.profileDir, { recursive: true });
    execArgv.push('--cpu-prof', '--cpu-prof-dir', options.profileDir, '--cpu-prof-name', `${kind}-${Date.now()}-${process.pid}.cpuprofile`);
  }
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: options.dataDir,
    // CASEROOM_* settings of the bench's own environment (to try one out), under the bench's own.
    ...(kind === 'caseroom' ? { ...caseroomSettingsFromEnv(), ...caseroomBenchEnv } : {}),
    ...(kind === 'y-websocket' ? { YPERSISTENCE: join(options.dataDir, 'leveldb') } : {}),
    ...options.env,
  };
  const child = spawn(process.execPath, [...execArgv, script], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const output: string[] = [];
  const keep = (chunk: Buffer): void => {
    output.push(chunk.toString());
    if (output.length > 50) output.shift();
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  await waitUntilListening(port, exited, output);
  return {
    kind,
    pid: child.pid!,
    port,
    httpUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    rssAfterGc: async () => (await memoryAfterGc(child)).rss,
    memoryAfterGc: () => memoryAfterGc(child),
    exited,
    lastOutput: () => output.join(''),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function memoryAfterGc(child: ChildProcess): Promise<MemoryAfterGc> {
  const { heapUsed } = await ask<{ heapUsed: number }>(child, 'gc', 'gcDone');
  return { rss: readRss(child.pid!), heapUsed };
}

/** Sends `request` to the server's preload and resolves with its answer, the message that has `key`. */
function ask<T>(child: ChildProcess, request: string, key: string): Promise<T> {
  return new Promise<T>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`the server did not answer the ${request} request`)), 30_000);
    const onMessage = (message: unknown): void => {
      if (typeof message !== 'object' || message === null || !(key in message)) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      done(message as T);
    };
    child.on('message', onMessage);
    child.send(request);
  });
}

/** VmRSS of a process, in bytes. */
export function readRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  if (!kb) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb) * 1024;
}

export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

async function waitUntilListening(port: number, exited: Promise<number | null>, output: string[]): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (gone) throw new Error(`server exited before listening:\n${output.join('')}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      await res.body?.cancel();
      return;
    } catch {
      await new Promise((wait) => setTimeout(wait, 100));
    }
  }
  throw new Error(`server did not listen on ${port} within 30 s:\n${output.join('')}`);
}

/** Creates cases of `team` on a caseroom hub over HTTP, as a supervisor (of team `billing`, who may name another team). */
export async function createCases(httpUrl: string, ids: string[], token: string, team = 'billing'): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < ids.length) {
      const id = ids[next++]!;
      const res = await fetch(`${httpUrl}/api/cases`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ id, subject: 'Benchmark case', team }),
      });
      if (res.status !== 201 && res.status !== 409) throw new Error(`creating case ${id} failed: ${res.status} ${await res.text()}`);
      await res.body?.cancel();
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}
