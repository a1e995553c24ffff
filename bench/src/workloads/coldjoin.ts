/**
 * Cold join: a case whose history is many small edits, typed live through each server (so each
 * stores it its own way), then the server restarts and a new client joins. The figure is the
 * time from opening the client until its document holds the whole history. Every measurement
 * starts from a copy of the stored history, so earlier joins (which may compact) do not help later ones.
 */
import { cpSync } from 'node:fs';
import type { ColdJoinResult, HistoryResult } from '../load/tasks.js';
import { runLoad } from '../loadProcess.js';
import { startServer, type ServerProcess } from '../servers.js';
import type { ClientKind, ServerKind } from '../targets.js';
import { caseroomIds, peerIds } from '../targets.js';
import { endpointOf, ensureCases, removeDir, tempDir, type Workload } from './workload.js';

const caseId = 'long-case';
/** per server: the stored history and its length in characters */
const histories = new Map<ServerKind, { dir: string; length: number }>();
/** the client that types each server's history */
const historian: Record<ServerKind, ClientKind> = { caseroom: 'caseroom-sio', hocuspocus: 'hocuspocus', 'y-websocket': 'y-websocket' };

async function stopped<T>(server: ServerProcess, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } finally {
    await server.stop();
  }
}

export const coldjoin: Workload = {
  name: 'coldjoin',
  title: 'Cold join',
  describe: ({ coldjoin: s }) =>
    `a case with ${s.updates.toLocaleString('en')} stored edits, server just restarted; time until a new client's document holds all of it`,
  metrics: ({ coldjoin: s }) => [
    { key: 'ms', label: `cold join, ${s.updates.toLocaleString('en')}-edit case`, unit: 'ms', better: 'lower' },
  ],
  targets: [...caseroomIds, ...peerIds],
  async prepare(context) {
    const wanted = new Set(context.options.targets ?? this.targets);
    for (const kind of ['caseroom', 'hocuspocus', 'y-websocket'] as const) {
      if (![...wanted].some((id) => (id.startsWith('caseroom') ? 'caseroom' : id) === kind)) continue;
      const dir = tempDir(`history-${kind}`);
      const server = await startServer(kind, { dataDir: dir, profileDir: null });
      const { length } = await stopped(server, async () => {
        await ensureCases(server, [caseId]);
        const started = performance.now();
        const result = await runLoad<HistoryResult>({
          kind: 'history',
          target: historian[kind],
          endpoint: endpointOf(server),
          caseId,
          updates: context.options.sizes.coldjoin.updates,
        });
        console.log(
          `    ${kind}: history of ${context.options.sizes.coldjoin.updates} edits typed in ${((performance.now() - started) / 1000).toFixed(1)} s`,
        );
        return result;
      });
      histories.set(kind, { dir, length });
    }
  },
  async measure(target, context) {
    const history = histories.get(target.server);
    if (!history) throw new Error(`no history prepared for ${target.server}`);
    const dataDir = tempDir(`coldjoin-${target.server}`);
    cpSync(history.dir, dataDir, { recursive: true });
    const server = await startServer(target.server, { dataDir, profileDir: context.profileDir });
    try {
      const result = await stopped(server, () =>
        runLoad<ColdJoinResult>({
          kind: 'coldjoin',
          target: target.id,
          endpoint: endpointOf(server),
          caseId,
          expectedLength: history.length,
        }),
      );
      return { ms: result.ms };
    } finally {
      removeDir(dataDir);
    }
  },
  async cleanup() {
    for (const { dir } of histories.values()) removeDir(dir);
    histories.clear();
  },
};
