/** Fan-out latency: a room where a few people type steadily and everyone else receives. */
import { windowFigures } from '../cpuTime.js';
import type { FanoutResult } from '../load/tasks.js';
import { runLoad } from '../loadProcess.js';
import { caseroomIds, peerIds } from '../targets.js';
import { cpuMetrics, endpointOf, ensureCases, withServer, type Workload } from './workload.js';

export const fanout: Workload = {
  name: 'fanout',
  title: 'Fan-out latency',
  describe: ({ fanout: s }) =>
    `${s.clients} clients in one case, ${s.writers} typing ${s.ratePerWriter} edits/s each (3 characters per edit) for ${s.seconds} s; latency from the writer's edit to each other client's receipt; CPU time of the server and of the load process from the first edit sent to the last (not sign-in, joins or the drain)`,
  metrics: () => [
    { key: 'p50', label: 'p50', unit: 'ms', better: 'lower' },
    { key: 'p99', label: 'p99', unit: 'ms', better: 'lower' },
    { key: 'max', label: 'max', unit: 'ms', better: 'lower' },
    { key: 'delivered', label: 'delivered', unit: '%', better: 'higher' },
    ...cpuMetrics('in the typing window'),
  ],
  targets: [...caseroomIds, ...peerIds],
  measure: (target, context) =>
    withServer(target.server, context, async (server) => {
      const caseId = 'fanout-case';
      await ensureCases(server, [caseId]);
      const s = context.options.sizes.fanout;
      const result = await runLoad<FanoutResult>({
        kind: 'fanout',
        target: target.id,
        endpoint: endpointOf(server),
        serverPid: server.pid,
        caseId,
        ...s,
      });
      return {
        p50: result.p50,
        p99: result.p99,
        max: result.max,
        delivered: (100 * result.received) / result.expected,
        ...windowFigures(result.window),
      };
    }),
};
