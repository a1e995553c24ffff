/** What every workload provides to the harness. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchOptions, Sizes, WorkloadName } from '../options.js';
import type { ClientKind, ServerKind, Target } from '../targets.js';
import { benchSecret, createCases, startServer, type ServerProcess } from '../servers.js';
import { mintToken } from '../tokens.js';
import type { Endpoint } from '../load/clients.js';

export interface MetricSpec {
  key: string;
  label: string;
  unit: string;
  better: 'lower' | 'higher';
}

export interface RunContext {
  options: BenchOptions;
  /** where server CPU profiles go, when profiling */
  profileDir: string | null;
}

export interface Workload {
  name: WorkloadName;
  title: string;
  /** one line: the size this run uses */
  describe(sizes: Sizes): string;
  metrics(sizes: Sizes): MetricSpec[];
  targets: ClientKind[];
  /** once per benchmark run, before the repeated measurements */
  prepare?(context: RunContext): Promise<void>;
  /** one measurement of one target */
  measure(target: Target, context: RunContext): Promise<Record<string, number>>;
  /** once at the end */
  cleanup?(): Promise<void>;
}

export function tempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `caseroom-bench-${label}-`));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export function endpointOf(server: ServerProcess): Endpoint {
  return server.kind === 'caseroom'
    ? { httpUrl: server.httpUrl, wsUrl: server.wsUrl, secret: benchSecret }
    : { httpUrl: server.httpUrl, wsUrl: server.wsUrl };
}

/** Starts a server on a fresh data directory, runs `body`, and stops and removes everything afterwards. */
export async function withServer<T>(
  kind: ServerKind,
  context: RunContext,
  body: (server: ServerProcess) => Promise<T>,
  env: Record<string, string> = {},
): Promise<T> {
  const dataDir = tempDir(kind);
  const server = await startServer(kind, { dataDir, env, profileDir: context.profileDir });
  try {
    return await body(server);
  } finally {
    await server.stop();
    removeDir(dataDir);
  }
}

/** caseroom needs its cases created before anyone opens them; the peers create documents on first use. */
export async function ensureCases(server: ServerProcess, ids: string[]): Promise<void> {
  if (server.kind !== 'caseroom') return;
  await createCases(server.httpUrl, ids, await mintToken(benchSecret, 'sue', 'supervisor'));
}
