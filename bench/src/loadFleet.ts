/**
 * Several load processes driving one workload together, each with its `RoomsTask`, so that no one
 * process is the limit. Every typing window starts and ends at wall-clock times set here, the same
 * in every process: the harness reads the servers' CPU time at those moments itself (it is idle
 * then, so its timers are on time), and adds up what the processes counted and spent in the same
 * span. Latencies are pooled across processes: each edit carries its send time on the wall clock
 * (`performance.timeOrigin + performance.now()`), which the processes of one machine share.
 */
import { cpuSeconds, machineCpuSeconds, type CpuWindow } from './cpuTime.js';
import { now, sleep } from './load/clients.js';
import { editsPerWriter } from './load/room.js';
import type { RoomsTask } from './load/tasks.js';
import { startLoad, type LoadProcess } from './loadProcess.js';
import { summarizeLatencies, type LatencySummary } from './stats.js';

export interface FleetWindow extends LatencySummary {
  /** edits sent into the rooms */
  sent: number;
  /** receipts there would be if every edit reached every other client of its case */
  expected: number;
  /** receipts counted by the end of the drain */
  received: number;
  /** the window's CPU figures: every server's and every load process's CPU time in it, and the receipts counted in it */
  window: CpuWindow;
}

export interface WindowPlan {
  seconds: number;
  ratePerWriter: number;
  /** a process's drain ends when no receipt came for this long */
  quietMs: number;
  /** how far ahead the start is set, so that every process has the command in time */
  leadMs?: number;
}

export class LoadFleet {
  private constructor(
    private readonly tasks: RoomsTask[],
    private readonly processes: LoadProcess<unknown>[],
  ) {}

  /** Starts a load process per task and waits until all of them have their clients open and synced. */
  static async start(tasks: RoomsTask[]): Promise<LoadFleet> {
    const processes = tasks.map((task) => startLoad<unknown>(task));
    const fleet = new LoadFleet(tasks, processes);
    let failure: unknown = null;
    // A process that fails also resolves `ready` (so no wait hangs); this notes why, before the wait below returns.
    for (const load of processes) load.result.catch((err: unknown) => (failure ??= err));
    await Promise.all(processes.map((load) => load.ready));
    if (failure) {
      await fleet.close();
      throw failure;
    }
    return fleet;
  }

  /** One typing window in every process at once; `serverPids` are the processes whose CPU time is the server's. */
  async window(serverPids: number[], plan: WindowPlan): Promise<FleetWindow> {
    const at = now() + (plan.leadMs ?? 1000);
    const perWriter = editsPerWriter(plan.ratePerWriter, plan.seconds);
    const expectedEach = this.tasks.map((task) => expectedReceipts(task, this.tasks, perWriter));
    const reports = Promise.all(
      this.processes.map((load, i) =>
        load.runWindow({ at, seconds: plan.seconds, ratePerWriter: plan.ratePerWriter, expected: expectedEach[i]!, quietMs: plan.quietMs }),
      ),
    );
    // A failed process rejects `reports`; the reads below go on until the window ends.
    reports.catch(() => undefined);
    await sleep(at - now());
    const serverAtStart = serverPids.map((pid) => cpuSeconds(pid));
    const machineAtStart = machineCpuSeconds();
    const startedAt = now();
    await sleep(at + plan.seconds * 1000 - now());
    const serverCpuSeconds = serverPids.reduce((sum, pid, i) => sum + cpuSeconds(pid) - serverAtStart[i]!, 0);
    const machineCpu = machineCpuSeconds() - machineAtStart;
    const seconds = (now() - startedAt) / 1000;
    const answered = await reports;
    const loadProcesses = answered.map((report) => report.loadCpuSeconds);
    return {
      sent: answered.reduce((sum, report) => sum + report.sent, 0),
      expected: expectedEach.reduce((a, b) => a + b, 0),
      received: answered.reduce((sum, report) => sum + report.received, 0),
      ...summarizeLatencies(answered.flatMap((report) => report.samples)),
      window: {
        seconds,
        delivered: answered.reduce((sum, report) => sum + report.receivedInWindow, 0),
        serverCpuSeconds,
        loadCpuSeconds: loadProcesses.reduce((a, b) => a + b, 0),
        loadProcesses,
        machineCpuSeconds: machineCpu,
      },
    };
  }

  /** Tells every process to close its clients and waits until they have answered (or failed). */
  async close(): Promise<void> {
    for (const load of this.processes) load.release();
    await Promise.allSettled(this.processes.map((load) => load.result));
  }
}

/**
 * The receipts one process counts when every edit reaches every other client of its case: each of
 * its clients receives every edit sent into that case, by any process, except its own.
 */
export function expectedReceipts(task: RoomsTask, all: RoomsTask[], editsEachWriter: number): number {
  return task.caseIds.reduce((sum, caseId) => {
    const writersOnCase = all.filter((t) => t.caseIds.includes(caseId)).reduce((n, t) => n + t.writersPerCase, 0);
    return sum + writersOnCase * editsEachWriter * task.clientsPerCase - task.writersPerCase * editsEachWriter;
  }, 0);
}
