/**
 * Real multi-node set-ups for cluster tests: a Redis server of the test's own (so a test may
 * restart it without disturbing anyone), several hub processes sharing it under one key prefix,
 * and a small TCP balancer in front that, like a load balancer, sends each new connection to the
 * next node that accepts it. Everything started here is stopped after each test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { spawnHub, tempDataDir, type HubProcess } from './hub.js';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A free loopback port (bound and released; fine for a test's own servers). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface TestRedis {
  url: string;
  port: number;
  /** Stops it (data stays in its directory, append-only file on). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
}

/** A redis-server of our own, append-only with fsync always, on a free port. */
export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'caseroom-redis-'));
  let child: ChildProcess | null = null;
  const start = async (): Promise<void> => {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    await new Promise<void>((resolve, reject) => {
      child!.once('error', reject);
      child!.stdout!.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('Ready to accept connections')) resolve();
      });
    });
  };
  const stop = async (): Promise<void> => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    await exited;
  };
  await start();
  cleanups.push(async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return { url: `redis://127.0.0.1:${port}`, port, stop, start };
}

/** Hub processes on one Redis under one prefix; `add` starts another node while the others run. */
export class TestCluster {
  readonly nodes: HubProcess[] = [];
  private readonly prefix = `cluster-test:${process.pid}:${Math.random().toString(36).slice(2, 8)}:`;

  constructor(
    readonly redisUrl: string,
    private readonly env: Record<string, string> = {},
  ) {}

  async add(name = `node-${this.nodes.length + 1}`): Promise<HubProcess> {
    const dataDir = tempDataDir();
    const node = await spawnHub(dataDir, {
      REDIS_URL: this.redisUrl,
      CASEROOM_REDIS_PREFIX: this.prefix,
      CASEROOM_NODE_ID: name,
      LOG_LEVEL: 'info',
      ...this.env,
    });
    this.nodes.push(node);
    cleanups.push(async () => {
      if (node.child.exitCode === null && node.child.signalCode === null) await node.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    });
    return node;
  }
}

export async function startCluster(size: number, redisUrl: string, env: Record<string, string> = {}): Promise<TestCluster> {
  const cluster = new TestCluster(redisUrl, env);
  await Promise.all(Array.from({ length: size }, (_, i) => cluster.add(`node-${i + 1}`)));
  return cluster;
}

/**
 * A TCP balancer on loopback: each new connection goes to the next backend, skipping ones that
 * refuse. Clients pointed at it reconnect to a surviving node when theirs dies, as behind a real
 * load balancer.
 */
export async function startBalancer(backends: () => number[]): Promise<{ url: string }> {
  let next = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.pause();
    const ports = backends();
    const attempt = (tries: number): void => {
      if (tries >= ports.length) return void client.destroy();
      const port = ports[next++ % ports.length]!;
      const upstream = connect(port, '127.0.0.1');
      upstream.once('connect', () => {
        sockets.add(upstream);
        upstream.on('close', () => sockets.delete(upstream));
        client.pipe(upstream).pipe(client);
        client.resume();
        upstream.on('error', () => client.destroy());
        client.on('error', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
        client.on('close', () => upstream.destroy());
      });
      upstream.once('error', () => attempt(tries + 1));
    };
    attempt(0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}` };
}
