/**
 * Throughput: everyone in a room of 10 types, and the offered rate rises step by step until p99
 * latency passes the limit (or edits stop arriving); the figure is the last rate that held.
 */
import type { ThroughputResult } from '../load/tasks.js';
import { runLoad } from '../loadProcess.js';
import { caseroomIds, peerIds } from '../targets.js';
import { endpointOf, ensureCases, withServer, type Workload } from './workload.js';

export const throughput: Workload = {
  name: 'throughput',
  title: 'Throughput',
  describe: ({ throughput: s }) =>
    `${s.clients} clients in one case, all typing; offered rate from ${s.startRate} edits/s, x${s.factor} every ${s.stepSeconds} s, until p99 > ${s.p99LimitMs} ms or an edit goes missing`,
  metrics: () => [
    { key: 'edits', label: 'edits/s absorbed (p99 <= 100 ms)', unit: '/s', better: 'higher' },
    { key: 'relayed', label: 'messages/s relayed at that rate', unit: '/s', better: 'higher' },
  ],
  targets: [...caseroomIds, ...peerIds],
  measure: (target, context) =>
    withServer(target.server, context, async (server) => {
      const caseId = 'throughput-case';
      await ensureCases(server, [caseId]);
      const s = context.options.sizes.throughput;
      const result = await runLoad<ThroughputResult>({ kind: 'throughput', target: target.id, endpoint: endpointOf(server), caseId, ...s });
      const steps = result.steps.map((step) => `${step.rate}/s p99 ${step.p99.toFixed(1)} ms${step.passed ? '' : ' (failed)'}`);
      console.log(`    ${target.id}: ${steps.join(', ')}`);
      return { edits: result.best, relayed: result.best * (s.clients - 1) };
    }),
};
