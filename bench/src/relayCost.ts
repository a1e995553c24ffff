/**
 * `npm run build && node --import tsx bench/src/relayCost.ts [edits] [readers] [targets]`: what
 * relaying one edit costs each server, whatever the pace of the load. One client types `edits`
 * single characters (default 300) into a case that `readers` others (default 49) have open, and
 * types the next only once every reader has the last (and, over the SDK, the hub acknowledged it):
 * every server relays each edit on its own to every reader, however busy the machine is, where in
 * the fan-out workload a server that falls behind merges edits and looks cheaper. Figures, over the
 * typing: the server's CPU time (user + system, /proc/<pid>/stat) and its write system calls
 * (/proc/<pid>/io), each per delivered edit, and the ratio of CPU time to Hocuspocus's. Targets:
 * comma-separated, default caseroom-sio,caseroom-yws,hocuspocus. Linux only.
 */
import { cpuSeconds, writeCalls } from './cpuTime.js';
import { notesOf, openMany, type BenchClient } from './load/clients.js';
import { startServer } from './servers.js';
import { targets, type ClientKind } from './targets.js';
import { endpointOf, ensureCases, removeDir, tempDir } from './workloads/workload.js';

const edits = Number(process.argv[2] ?? 300);
const readers = Number(process.argv[3] ?? 49);
const chosen = (process.argv[4] ?? 'caseroom-sio,caseroom-yws,hocuspocus').split(',') as ClientKind[];

/** Resolves once every reader's notes are `length` long. */
function everyReaderHas(clients: BenchClient[], length: number): Promise<void> {
  return Promise.all(
    clients.map(
      (client) =>
        new Promise<void>((done) => {
          if (notesOf(client.doc).length >= length) return done();
          const check = (): void => {
            if (notesOf(client.doc).length < length) return;
            client.doc.off('update', check);
            done();
          };
          client.doc.on('update', check);
        }),
    ),
  ).then(() => undefined);
}

interface Cost {
  cpuPerEdit: number;
  writesPerEdit: number;
}

async function measure(kind: ClientKind): Promise<Cost> {
  const target = targets.find((candidate) => candidate.id === kind);
  if (!target) throw new Error(`unknown target ${kind}`);
  const dataDir = tempDir('relay-cost');
  const server = await startServer(target.server, { dataDir, profileDir: null });
  let clients: BenchClient[] = [];
  try {
    const caseId = 'relay-cost-case';
    await ensureCases(server, [caseId]);
    clients = await openMany(
      kind,
      endpointOf(server),
      1 + readers,
      () => caseId,
      (i) => `agent-${i}`,
      10,
    );
    const [writer, ...others] = clients as [BenchClient, ...BenchClient[]];
    const cpuBefore = cpuSeconds(server.pid);
    const writesBefore = writeCalls(server.pid);
    for (let i = 0; i < edits; i++) {
      notesOf(writer.doc).insert(0, 'x');
      await Promise.all([everyReaderHas(others, i + 1), writer.flushed?.()]);
    }
    const delivered = edits * readers;
    return {
      cpuPerEdit: ((cpuSeconds(server.pid) - cpuBefore) * 1e6) / delivered,
      writesPerEdit: (writeCalls(server.pid) - writesBefore) / delivered,
    };
  } finally {
    await Promise.all(clients.map((client) => client.close()));
    await server.stop();
    removeDir(dataDir);
  }
}

const costs = new Map<ClientKind, Cost>();
for (const kind of chosen) costs.set(kind, await measure(kind));
const hocuspocus = costs.get('hocuspocus');
console.log(`${edits} edits, each relayed on its own to ${readers} readers:`);
for (const [kind, { cpuPerEdit, writesPerEdit }] of costs) {
  const ratio = hocuspocus ? ` (${(cpuPerEdit / hocuspocus.cpuPerEdit).toFixed(2)}x hocuspocus)` : '';
  console.log(
    `  ${kind.padEnd(13)} server CPU ${cpuPerEdit.toFixed(1)} µs per delivered edit${ratio}, ${writesPerEdit.toFixed(2)} write calls per delivered edit`,
  );
}
// The peers' providers keep awareness timers that their destroy() leaves running.
process.exit(0);
