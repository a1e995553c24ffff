/**
 * Throughput: everyone in a room of 10 types, and the offered rate rises step by step until p99
 * latency passes the limit (or edits stop arriving); the figure is the last rate that held.
 */
import { loadBoundShare, windowFigures } from '../cpuTime.js';
import type { ThroughputResult } from '../load/tasks.js';
import { runLoad } from '../loadProcess.js';
import { caseroomIds, peerIds } from '../targets.js';
import { cpuMetrics, endpointOf, ensureCases, withServer, type Workload } from './workload.js';

export const throughput: Workload = {
  name: 'throughput',
  title: 'Throughput',
  describe: ({ throughput: s }) =>
    `${s.clients} clients in one case, all typing; offered rate from ${s.startRate} edits/s, x${s.factor} every ${s.stepSeconds} s, until p99 > ${s.p99LimitMs} ms or an edit goes missing; CPU time of the server and of the load process over each step's typing (not the drain), shown at the rate that held; load-bound if the load process was over ${100 * loadBoundShare} % of a core in any step`,
  metrics: () => [
    { key: 'edits', label: 'edits/s absorbed (p99 <= 100 ms)', unit: '/s', better: 'higher' },
    { key: 'relayed', label: 'messages/s relayed at that rate', unit: '/s', better: 'higher' },
    ...cpuMetrics('at that rate', 'in any step'),
  ],
  targets: [...caseroomIds, ...peerIds],
  measure: (target, context) =>
    withServer(target.server, context, async (server) => {
      const caseId = 'throughput-case';
      await ensureCases(server, [caseId]);
      const s = context.options.sizes.throughput;
      const result = await runLoad<ThroughputResult>({
        kind: 'throughput',
        target: target.id,
        endpoint: endpointOf(server),
        serverPid: server.pid,
        caseId,
        ...s,
      });
      const steps = result.steps.map((step) => {
        const cpu = windowFigures(step.window);
        return `${step.rate}/s p99 ${step.p99.toFixed(1)} ms${step.passed ? '' : ' (failed)'} server ${cpu.cpuPerEdit.toFixed(0)} µs/edit ${cpu.serverShare.toFixed(0)} % load ${cpu.loadShare.toFixed(0)} %`;
      });
      console.log(`    ${target.id}: ${steps.join(', ')}`);
      // CPU per edit where every edit arrived in time; the flag over every step, since the step
      // that failed decides the figure: if the load was saturated there, the ceiling is the load's.
      const held = result.steps.filter((step) => step.passed).at(-1);
      return {
        edits: result.best,
        relayed: result.best * (s.clients - 1),
        ...(held ? windowFigures(held.window) : {}),
        loadBound: result.steps.some((step) => windowFigures(step.window).loadBound) ? 1 : 0,
      };
    }),
};
