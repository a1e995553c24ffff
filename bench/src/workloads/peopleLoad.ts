/**
 * Runs `rooms` tasks (load/people.ts) in several load processes at once and paces them from the
 * harness: once everyone is in, `go` starts the typing (and people coming and going), `record`
 * opens the window after a warm-up, so it sees the steady state (bursts and pauses, people away
 * and back, events flowing to bots), and `stop` ends it. CPU time of the watched processes (the
 * servers, Redis, nginx) is read just before `record` and just after the last load process says
 * it stopped typing. Each load process counts its own rooms over its own window, which opens and
 * closes within a few milliseconds of the harness's.
 */
import { cpuSeconds, loadBoundShare } from '../cpuTime.js';
import { sleep } from '../load/clients.js';
import type { PeopleResult, PeopleTask } from '../load/tasks.js';
import { startLoad } from '../loadProcess.js';
import { summarizeLatencies, type LatencySummary } from '../stats.js';

export interface PeopleRun extends LatencySummary {
  sent: number;
  expected: number;
  received: number;
  receivedInWindow: number;
  updatesInWindow: number;
  botEvents: Record<string, number>;
  rejoins: number;
  errors: Record<string, number>;
  /** wall-clock length of the harness's window */
  seconds: number;
  /** CPU seconds in the window, per watched name (the sum over its processes) */
  cpu: Record<string, number>;
  /** the busiest load process's share of one core, and all of them together */
  loadShare: number;
  loadTotalShare: number;
  loadBound: boolean;
}

export interface Pace {
  warmupSeconds: number;
  seconds: number;
}

/**
 * Starts a load process per task; once all are in, runs `beforeGo` (to measure the server at
 * rest), then paces them. `watched` names groups of process ids whose CPU time is read (a
 * function, since a group such as nginx's workers is only known once it runs).
 */
export async function runPeopleLoad(
  tasks: PeopleTask[],
  pace: Pace,
  watched: Record<string, () => number[]>,
  beforeGo: () => Promise<void> = async () => undefined,
): Promise<PeopleRun> {
  const loads = tasks.map((task) => startLoad<PeopleResult>(task));
  const settled = Promise.allSettled(loads.map((load) => load.result));
  let failure: unknown = null;
  for (const load of loads) load.result.catch((err: unknown) => (failure ??= err));
  await Promise.all(loads.map((load) => load.ready));
  if (failure) {
    // One process could not get its people in: the others would wait for a window that never opens.
    for (const load of loads) load.child.kill();
    await settled;
    throw failure;
  }
  await beforeGo();

  const readCpu = (): Record<string, number> =>
    Object.fromEntries(Object.entries(watched).map(([name, pids]) => [name, pids().reduce((sum, pid) => sum + cpuSeconds(pid), 0)]));
  for (const load of loads) load.tell('go');
  await sleep(pace.warmupSeconds * 1000);
  const cpuBefore = readCpu();
  const started = performance.now();
  for (const load of loads) load.tell('record');
  await sleep(pace.seconds * 1000);
  for (const load of loads) load.tell('stop');
  await Promise.all(loads.map((load) => load.typed));
  const cpuAfter = readCpu();
  const seconds = (performance.now() - started) / 1000;

  const outcomes = await settled;
  const failed = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  const results = outcomes.map((outcome) => (outcome as PromiseFulfilledResult<PeopleResult>).value);
  const shares = results.map((r) => r.loadCpuSeconds / r.seconds);
  const sum = (pick: (r: PeopleResult) => number): number => results.reduce((total, r) => total + pick(r), 0);
  return {
    sent: sum((r) => r.sent),
    expected: sum((r) => r.expected),
    received: sum((r) => r.received),
    receivedInWindow: sum((r) => r.receivedInWindow),
    updatesInWindow: sum((r) => r.updatesInWindow),
    ...summarizeLatencies(results.flatMap((r) => r.samples)),
    botEvents: addUp(results.map((r) => r.botEvents)),
    rejoins: sum((r) => r.rejoins),
    errors: addUp(results.map((r) => r.errors)),
    seconds,
    cpu: Object.fromEntries(Object.keys(watched).map((name) => [name, cpuAfter[name]! - cpuBefore[name]!])),
    loadShare: 100 * Math.max(...shares),
    loadTotalShare: 100 * shares.reduce((a, b) => a + b, 0),
    loadBound: Math.max(...shares) > loadBoundShare,
  };
}

function addUp(counts: Array<Record<string, number>>): Record<string, number> {
  const total: Record<string, number> = {};
  for (const count of counts) for (const [key, n] of Object.entries(count)) total[key] = (total[key] ?? 0) + n;
  return total;
}

/** `owner.claimed 3, member.left 12` (or `none`), for a run's line. */
export function countsLine(counts: Record<string, number>): string {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  return entries.length === 0 ? 'none' : entries.map(([key, n]) => `${key} ${n}`).join(', ');
}
