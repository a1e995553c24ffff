/**
 * Connections: server memory per idle client, each client with one case of its own open. RSS is
 * read from /proc/<pid>/status after a full GC in the server, before the clients connect and once
 * they are all synced; the difference divided by the number of clients is the figure.
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
    `${s.counts.join(' and ')} idle clients, each with a case of its own open; server RSS (after a full GC) per client`,
  metrics: ({ connections: s }) =>
    s.counts.flatMap((count) => [
      { key: `perClient${count}`, label: `RSS per idle client at ${count}`, unit: 'KiB', better: 'lower' as const },
    ]),
  targets: [...caseroomIds, ...peerIds],
  async measure(target, context) {
    const figures: Record<string, number> = {};
    for (const count of context.options.sizes.connections.counts) {
      figures[`perClient${count}`] = await withServer(target.server, context, async (server) => {
        const casePrefix = 'idle-';
        await ensureCases(
          server,
          Array.from({ length: count }, (_, i) => `${casePrefix}${i}`),
        );
        await sleep(500);
        const before = await server.rssAfterGc();
        const loads: LoadProcess<unknown>[] = [];
        for (let from = 0; from < count; from += clientsPerProcess) {
          const n = Math.min(clientsPerProcess, count - from);
          loads.push(startLoad({ kind: 'connections', target: target.id, endpoint: endpointOf(server), casePrefix, from, count: n }));
        }
        await Promise.all(loads.map((load) => load.ready));
        await sleep(1000);
        const after = await server.rssAfterGc();
        for (const load of loads) load.release();
        await Promise.all(loads.map((load) => load.result));
        return (after - before) / count / 1024;
      });
    }
    return figures;
  },
};
