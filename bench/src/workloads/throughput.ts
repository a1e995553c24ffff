/**
 * Throughput: one busy case. A few clients type at a total offered rate while the others receive.
 * Two things are measured on the same server, one after the other: latency at fixed offered
 * rates (the same for every server, so the figures compare at equal work), then the ceiling, the
 * highest rate at which p99 stays within the limit and every edit arrives, found by growing the
 * rate and then bisecting (ceilingSearch.ts).
 *
 * The load is spread so that it is not the limit: the writers in one load process, the receivers
 * in others, every process typing and counting in the same wall-clock window (`LoadFleet`).
 */
import { bracket, nextRate, type SearchStep } from '../ceilingSearch.js';
import { loadBoundShare, windowFigures } from '../cpuTime.js';
import type { RoomsTask } from '../load/tasks.js';
import { LoadFleet, type FleetWindow } from '../loadFleet.js';
import type { Sizes } from '../options.js';
import { caseroomIds, peerIds } from '../targets.js';
import { cpuMetrics, endpointOf, ensureCases, withServer, type MetricSpec, type Workload } from './workload.js';

interface Step extends SearchStep {
  /** the window that decided the step: its retry, when the first one failed */
  result: FleetWindow;
  /** the step's first window, whatever came of it: the figures at a fixed rate are this one's */
  first: FleetWindow;
}

function fixedRateMetrics({ throughput: s }: Sizes): MetricSpec[] {
  return s.fixedRates.flatMap((rate) => {
    const at = `at ${rate.toLocaleString('en')} edits/s`;
    return [
      { key: `p50At${rate}`, label: `p50 ${at}`, unit: 'ms', better: 'lower' as const },
      { key: `p99At${rate}`, label: `p99 ${at}`, unit: 'ms', better: 'lower' as const },
      { key: `deliveredAt${rate}`, label: `delivered ${at}`, unit: '%', better: 'higher' as const },
      { key: `cpuPerEditAt${rate}`, label: `server CPU per delivered edit ${at}`, unit: 'µs', better: 'lower' as const },
    ];
  });
}

/** The writers' process and the receivers' processes, all on the one case. */
function loadTasks(s: Sizes['throughput'], base: Omit<RoomsTask, 'clientsPerCase' | 'writersPerCase' | 'userPrefix'>): RoomsTask[] {
  const tasks: RoomsTask[] = [{ ...base, clientsPerCase: s.writers, writersPerCase: s.writers, userPrefix: 'writer-' }];
  for (let p = 0; p < s.receiverProcesses; p++) {
    const clients = Math.floor(s.receivers / s.receiverProcesses) + (p < s.receivers % s.receiverProcesses ? 1 : 0);
    if (clients > 0) tasks.push({ ...base, clientsPerCase: clients, writersPerCase: 0, userPrefix: `receiver-${p}-` });
  }
  return tasks;
}

export const throughput: Workload = {
  name: 'throughput',
  title: 'Throughput',
  describe: ({ throughput: s }) =>
    `${s.writers + s.receivers} clients in one case: ${s.writers} typing in one load process, ${s.receivers} receiving in ${s.receiverProcesses} others; after ${s.warmupSeconds} s unmeasured, latency at ${s.fixedRates.map((r) => r.toLocaleString('en')).join(' and ')} edits/s into the room, then the ceiling: the rate grows x${s.growth} until a step fails (p99 > ${s.p99LimitMs} ms or an edit missing), then is bisected until the rates that held and failed are within ${Math.round(100 * (s.precision - 1))} % (a failed step is run again, and fails only if it fails twice); steps of ${s.stepSeconds} s; CPU time of the server and the load processes over each step's typing (not the drain); load-bound if a load process was over ${100 * loadBoundShare} % of a core in any step`,
  metrics: (sizes) => [
    ...fixedRateMetrics(sizes),
    { key: 'edits', label: `ceiling: edits/s absorbed (p99 <= ${sizes.throughput.p99LimitMs} ms)`, unit: '/s', better: 'higher' },
    { key: 'relayed', label: 'messages/s relayed at the ceiling', unit: '/s', better: 'higher' },
    ...cpuMetrics('at the ceiling', 'in any step', true),
  ],
  targets: [...caseroomIds, ...peerIds],
  measure: (target, context) =>
    withServer(target.server, context, async (server) => {
      const caseId = 'throughput-case';
      await ensureCases(server, [caseId]);
      const s = context.options.sizes.throughput;
      const fleet = await LoadFleet.start(
        loadTasks(s, { kind: 'rooms', target: target.id, endpoint: endpointOf(server), caseIds: [caseId] }),
      );
      const steps: Step[] = [];
      try {
        const measure = async (rate: number, leadMs: number): Promise<{ result: FleetWindow; passed: boolean }> => {
          // The lead before each window lets the server settle after the previous step.
          const result = await fleet.window([server.pid], {
            seconds: s.stepSeconds,
            ratePerWriter: rate / s.writers,
            quietMs: 2000,
            leadMs,
          });
          // A step passes when nearly every edit arrived everywhere and p99 stayed within the limit.
          return { result, passed: result.received >= result.expected * 0.999 && result.p99 <= s.p99LimitMs };
        };
        const offer = async (rate: number): Promise<void> => {
          const first = await measure(rate, 500);
          // One noisy moment on a shared machine can fail a step that the rate above it then
          // passes, and the search trusts the lowest failure: a rate fails only if it fails twice,
          // the second time after a longer pause.
          const decided = first.passed ? first : await measure(rate, 2000);
          steps.push({ rate, passed: decided.passed, result: decided.result, first: first.result });
        };
        // The room's first edits start work a server does once (caseroom starts the room's
        // document watcher; every server compiles its hot paths): not part of any step.
        await fleet.window([server.pid], { seconds: s.warmupSeconds, ratePerWriter: s.fixedRates[0]! / s.writers, quietMs: 2000 });
        for (const rate of s.fixedRates) await offer(rate);
        const plan = {
          startRate: s.fixedRates[0] ?? 500,
          growth: s.growth,
          precision: s.precision,
          minRate: s.minRate,
          maxRate: s.maxRate,
        };
        for (let rate = nextRate(steps, plan); rate !== null; rate = nextRate(steps, plan)) await offer(rate);
      } finally {
        await fleet.close();
      }
      console.log(`    ${target.id}: ${steps.map(describeStep).join(', ')}`);
      const figures: Record<string, number> = {};
      for (const rate of s.fixedRates) {
        const result = steps.find((step) => step.rate === rate)!.first;
        figures[`p50At${rate}`] = result.p50;
        figures[`p99At${rate}`] = result.p99;
        figures[`deliveredAt${rate}`] = (100 * result.received) / result.expected;
        figures[`cpuPerEditAt${rate}`] = windowFigures(result.window).cpuPerEdit;
      }
      // The ceiling's CPU figures are those of the step at the ceiling; the flag looks at every
      // step, since the step that failed decides the ceiling: a saturated load there makes it the load's.
      const ceiling = highestHeld(steps);
      return {
        ...figures,
        edits: ceiling?.rate ?? 0,
        relayed: (ceiling?.rate ?? 0) * (s.writers + s.receivers - 1),
        ...(ceiling ? windowFigures(ceiling.result.window) : {}),
        loadBound: steps.some((step) => [step.first, step.result].some((w) => windowFigures(w.window).loadBound)) ? 1 : 0,
      };
    }),
};

/** The step at the ceiling: the highest rate that held below the lowest that failed. */
function highestHeld(steps: Step[]): Step | undefined {
  const { held } = bracket(steps);
  return steps.find((step) => step.passed && step.rate === held);
}

function describeStep(step: Step): string {
  const cpu = windowFigures(step.result.window);
  const each = (step.result.window.loadProcesses ?? [])
    .map((seconds) => ((100 * seconds) / step.result.window.seconds).toFixed(0))
    .join('/');
  return `${step.rate}/s p99 ${step.result.p99.toFixed(1)} ms${step.first === step.result ? '' : step.passed ? ' (failed, held when run again)' : ' (failed twice)'} server ${cpu.cpuPerEdit.toFixed(0)} µs/edit ${cpu.serverShare.toFixed(0)} % load ${each} % others ${cpu.otherShare.toFixed(0)} %`;
}
