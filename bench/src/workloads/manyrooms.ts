/**
 * Many rooms: a contact centre's floor rather than one busy case. Each of many cases has a few
 * clients, one of them typing slowly and the rest receiving, so the server's cost per delivered
 * edit is measured where rooms are many and small, not where one room's fan-out dominates. The
 * rooms are spread over several load processes (a room's writer and receivers stay in one), so
 * the load is not the limit; every process types in the same wall-clock window, over which the
 * harness reads the server's CPU time (`LoadFleet`).
 */
import { windowFigures } from '../cpuTime.js';
import { LoadFleet } from '../loadFleet.js';
import type { RoomsTask } from '../load/tasks.js';
import { caseroomIds, peerIds } from '../targets.js';
import { cpuMetrics, endpointOf, ensureCases, withServer, type Workload } from './workload.js';

export const manyrooms: Workload = {
  name: 'manyrooms',
  title: 'Many rooms',
  describe: ({ manyrooms: s }) =>
    `${s.rooms} cases with ${s.clientsPerRoom} clients each, one of them typing ${s.ratePerWriter} edits/s (3 characters per edit) for ${s.warmupSeconds} s unmeasured, then ${s.seconds} s measured, the others receiving; ${Math.ceil(s.rooms / s.roomsPerProcess)} load processes of up to ${s.roomsPerProcess} rooms, typing in the same wall-clock window; latency from the writer's edit to each receipt; CPU time of the server and of the load processes over that window`,
  metrics: () => [
    { key: 'p50', label: 'p50', unit: 'ms', better: 'lower' },
    { key: 'p99', label: 'p99', unit: 'ms', better: 'lower' },
    { key: 'delivered', label: 'delivered', unit: '%', better: 'higher' },
    ...cpuMetrics('in the typing window', 'in the typing window', true),
  ],
  targets: [...caseroomIds, ...peerIds],
  measure: (target, context) =>
    withServer(target.server, context, async (server) => {
      const s = context.options.sizes.manyrooms;
      const caseIds = Array.from({ length: s.rooms }, (_, i) => `room-${i}`);
      await ensureCases(server, caseIds);
      const tasks: RoomsTask[] = [];
      for (let from = 0; from < s.rooms; from += s.roomsPerProcess)
        tasks.push({
          kind: 'rooms',
          target: target.id,
          endpoint: endpointOf(server),
          caseIds: caseIds.slice(from, from + s.roomsPerProcess),
          clientsPerCase: s.clientsPerRoom,
          writersPerCase: 1,
          userPrefix: `load${tasks.length}-agent-`,
        });
      const fleet = await LoadFleet.start(tasks);
      try {
        // Every room's first edits start work a server does once per room (caseroom starts the
        // room's document watcher): a short window before the measured one leaves that out.
        await fleet.window([server.pid], { seconds: s.warmupSeconds, ratePerWriter: s.ratePerWriter, quietMs: 3000 });
        const result = await fleet.window([server.pid], { seconds: s.seconds, ratePerWriter: s.ratePerWriter, quietMs: 3000 });
        return {
          p50: result.p50,
          p99: result.p99,
          delivered: (100 * result.received) / result.expected,
          ...windowFigures(result.window),
        };
      } finally {
        await fleet.close();
      }
    }),
};
