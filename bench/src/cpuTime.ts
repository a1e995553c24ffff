/**
 * CPU time of a process from /proc/<pid>/stat, and what one typing window cost. The load process
 * reads it for the server and for itself at the moment it starts typing and at the moment its last
 * edit goes out, so sign-in, joins and the drain after the typing stay out of the figures.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second of utime and stime (USER_HZ, 100 on Linux almost everywhere). */
const ticksPerSecond = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** A load process above this share of one core in the window was itself the limit. */
export const loadBoundShare = 0.9;

/** CPU time (user + system, every thread) a process has used so far, in seconds; `self` for the caller. */
export function cpuSeconds(pid: number | 'self'): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of proc(5), utime and stime; fields[0] is field 3.
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/**
 * CPU time every core of the machine has spent busy so far (user, nice, system, irq, softirq; from
 * the first line of /proc/stat), in seconds. Less what the server and the load spent, it is what
 * other processes took from a shared machine during a window.
 */
export function machineCpuSeconds(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0] = fields;
  return (user + nice + system + irq + softirq) / ticksPerSecond;
}

/** Write system calls a process has made so far (`syscw` in /proc/<pid>/io). */
export function writeCalls(pid: number): number {
  const calls = /syscw:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1];
  if (!calls) throw new Error(`no syscw for process ${pid}`);
  return Number(calls);
}

/** What one steady typing window cost the server and the load process. */
export interface CpuWindow {
  /** wall-clock length of the window */
  seconds: number;
  /** receipts of edits by other clients counted within the window */
  delivered: number;
  /** the server's CPU time in the window */
  serverCpuSeconds: number;
  /** the load process's own CPU time in the window (several processes: their sum) */
  loadCpuSeconds: number;
  /** when the load was spread over several processes: each one's CPU time in the window */
  loadProcesses?: number[];
  /** the whole machine's busy CPU time in the window (`machineCpuSeconds`) */
  machineCpuSeconds?: number;
}

/** Starts a window now; `end(delivered)` closes it. */
export function startCpuWindow(serverPid: number): { end(delivered: number): CpuWindow } {
  const started = performance.now();
  const server = cpuSeconds(serverPid);
  const load = cpuSeconds('self');
  const machine = machineCpuSeconds();
  return {
    end: (delivered) => ({
      serverCpuSeconds: cpuSeconds(serverPid) - server,
      loadCpuSeconds: cpuSeconds('self') - load,
      machineCpuSeconds: machineCpuSeconds() - machine,
      seconds: (performance.now() - started) / 1000,
      delivered,
    }),
  };
}

/**
 * The figures a workload reports for a window: µs of server CPU per delivered edit, and the
 * server's, the load's (summed over its processes) and everything else's share of a core. The
 * window is load-bound when any one load process was above `loadBoundShare`: that process sent or
 * read late.
 */
export function windowFigures(window: CpuWindow): {
  cpuPerEdit: number;
  serverShare: number;
  loadShare: number;
  otherShare: number;
  loadBound: number;
} {
  const busiest = Math.max(...(window.loadProcesses ?? [window.loadCpuSeconds]));
  const other =
    window.machineCpuSeconds === undefined
      ? Number.NaN
      : Math.max(0, window.machineCpuSeconds - window.serverCpuSeconds - window.loadCpuSeconds);
  return {
    cpuPerEdit: window.delivered > 0 ? (window.serverCpuSeconds * 1e6) / window.delivered : Number.NaN,
    serverShare: (100 * window.serverCpuSeconds) / window.seconds,
    loadShare: (100 * window.loadCpuSeconds) / window.seconds,
    otherShare: (100 * other) / window.seconds,
    loadBound: busiest / window.seconds > loadBoundShare ? 1 : 0,
  };
}
