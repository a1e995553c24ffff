/**
 * Connections: server memory per idle client, each client with one case of its own open. RSS
 * (from /proc/<pid>/status) and the JavaScript heap in use are read after a full GC in the
 * server, before the clients connect and once they are all synced; the differences divided by
 * the number of clients are the figures. RSS is what the machine pays, but it also moves with the
 * allocator and with code the connections made the server compile; the heap is what the server's
 * own objects per connection cost.
 */
import type { LoadProcess } from '../loadProcess.js';
import { startLoad } from '../loadProcess.js';
import { sleep } from '../load/clients.js';
import { caseroomIds, peerIds } from '../targets.js';
import { endpointOf, ensureCases, withServer, type Workload } from './workload.js';

/** Clients per load process: more than this and the load process itself becomes the bottleneck. */
const clientsPerProcess = 2_500;

export const connections: Workload = {
  name: 'connections',
  title: 'Connections',
  describe: ({ connections: s }) =>
    `${s.counts.join(' and ')} idle clients, each with a case of its own open; server RSS and JavaScript heap in use (after a full GC) per client`,
  metrics: ({ connections: s }) =>
    s.counts.flatMap((count) => [
      { key: `perClient${count}`, label: `RSS per idle client at ${count}`, unit: 'KiB', better: 'lower' as const },
      { key: `heapPerClient${count}`, label: `heap per idle client at ${count}`, unit: 'KiB', better: 'lower' as const },
    ]),
  targets: [...caseroomIds, ...peerIds],
  async measure(target, context) {
    const figures: Record<string, number> = {};
    for (const count of context.options.sizes.connections.counts) {
      const perClient = await withServer(target.server, context, async (server) => {
        const casePrefix = 'idle-';
        await ensureCases(
          server,
          Array.from({ length: count }, (_, i) => `${casePrefix}${i}`),
        );
        await sleep(500);
        const before = await server.memoryAfterGc();
        const loads: LoadProcess<unknown>[] = [];
        for (let from = 0; from < count; from += clientsPerProcess) {
          const n = Math.min(clientsPerProcess, count - from);
          loads.push(startLoad({ kind: 'connections', target: target.id, endpoint: endpointOf(server), casePrefix, from, count: n }));
        }
        await Promise.all(loads.map((load) => load.ready));
        await sleep(1000);
        const after = await server.memoryAfterGc();
        for (const load of loads) load.release();
        await Promise.all(loads.map((load) => load.result));
        return { rss: (after.rss - before.rss) / count / 1024, heap: (after.heapUsed - before.heapUsed) / count / 1024 };
      });
      figures[`perClient${count}`] = perClient.rss;
      figures[`heapPerClient${count}`] = perClient.heap;
    }
    return figures;
  },
};
