/** What every workload provides to the harness. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBoundShare } from '../cpuTime.js';
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
  /** a figure about the load rather than the server: no caseroom/peer ratio */
  load?: true;
  /** each run's figure is 1 or 0; the summary counts the runs with 1 */
  flag?: true;
}

/**
 * The rows of `windowFigures` (cpuTime.ts), for a window named by `when`; `boundWhen` names the
 * window(s) the flag looks at; `spread` when the load ran in several processes (their CPU summed,
 * the flag raised by any one of them).
 */
export function cpuMetrics(when: string, boundWhen = when, spread = false): MetricSpec[] {
  const load = spread ? 'load processes' : 'load process';
  return [
    { key: 'cpuPerEdit', label: `server CPU per delivered edit ${when}`, unit: 'µs', better: 'lower' },
    { key: 'serverShare', label: `server CPU ${when}, share of one core`, unit: '%', better: 'lower' },
    {
      key: 'loadShare',
      label: `${load} CPU ${when}${spread ? ' (summed)' : ''}, share of one core`,
      unit: '%',
      better: 'lower',
      load: true,
    },
    {
      key: 'otherShare',
      label: `other processes' CPU ${when} (the machine's busy time less server and load), share of one core`,
      unit: '%',
      better: 'lower',
      load: true,
    },
    {
      key: 'loadBound',
      label: `load-bound runs (${spread ? 'a load process' : 'load process'} over ${100 * loadBoundShare} % of a core ${boundWhen})`,
      unit: 'runs',
      better: 'lower',
      load: true,
      flag: true,
    },
  ];
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
