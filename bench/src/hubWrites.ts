/**
 * `npm run build && node --import tsx bench/src/hubWrites.ts [edits]`: how many write system calls
 * the hub makes to relay edits over Socket.IO. Ten SDK clients share a case; one types `edits`
 * single characters, each waiting for the hub's acknowledgement, so every edit is relayed on its
 * own to the nine others. The count is the hub process's `syscw` from /proc/<pid>/io, before and
 * after the edits (Linux only).
 */
import { writeCalls } from './cpuTime.js';
import { notesOf, openMany, type BenchClient } from './load/clients.js';
import { startServer } from './servers.js';
import { endpointOf, ensureCases, removeDir, tempDir } from './workloads/workload.js';

const edits = Number(process.argv[2] ?? 200);
const readers = 9;

const dataDir = tempDir('hub-writes');
const server = await startServer('caseroom', { dataDir, profileDir: null });
let clients: BenchClient[] = [];
try {
  const caseId = 'writes-case';
  await ensureCases(server, [caseId]);
  clients = await openMany(
    'caseroom-sio',
    endpointOf(server),
    1 + readers,
    () => caseId,
    (i) => `agent-${i}`,
    10,
  );
  const [writer, ...others] = clients as [BenchClient, ...BenchClient[]];
  const arrived = Promise.all(
    others.map(
      (client) =>
        new Promise<void>((done) => {
          const check = (): void => {
            if (notesOf(client.doc).length === edits) done();
          };
          client.doc.on('update', check);
        }),
    ),
  );
  const before = writeCalls(server.pid);
  for (let i = 0; i < edits; i++) {
    notesOf(writer.doc).insert(0, 'x');
    await writer.flushed!();
  }
  await arrived;
  const calls = writeCalls(server.pid) - before;
  const messages = edits * (1 + readers);
  console.log(
    `${edits} edits relayed to ${readers} clients and acknowledged: ${messages} messages, ${calls} write system calls, sockets and store (${(calls / messages).toFixed(2)} per message)`,
  );
} finally {
  await Promise.all(clients.map((client) => client.close()));
  await server.stop();
  removeDir(dataDir);
}
