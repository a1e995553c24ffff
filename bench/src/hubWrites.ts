/**
 * `npm run build && node --import tsx bench/src/hubWrites.ts [edits]`: how many write system calls
 * the hub makes to relay edits over Socket.IO. Ten SDK clients share a case; one types `edits`
 * single characters, each waiting for the hub's acknowledgement, so every edit is relayed on its
 * own to the nine others. The count is the hub process's `syscw` from /proc/<pid>/io, before and
 * after the edits (Linux only).
 */
import { readFileSync } from 'node:fs';
import { CaseClient, type CaseSession } from '@caseroom/client';
import { startServer } from './servers.js';
import { mintToken } from './tokens.js';
import { endpointOf, ensureCases, removeDir, tempDir } from './workloads/workload.js';

const edits = Number(process.argv[2] ?? 200);
const readers = 9;

function writeCalls(pid: number): number {
  const calls = /syscw:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1];
  if (!calls) throw new Error(`no syscw for process ${pid}`);
  return Number(calls);
}

const dataDir = tempDir('hub-writes');
const server = await startServer('caseroom', { dataDir, profileDir: null });
const clients: CaseClient[] = [];
try {
  const caseId = 'writes-case';
  await ensureCases(server, [caseId]);
  const { httpUrl, secret } = endpointOf(server);
  const sessions: CaseSession[] = [];
  for (let i = 0; i <= readers; i++) {
    const client = new CaseClient({ url: httpUrl, token: await mintToken(secret!, `agent-${i}`), transports: ['websocket'] });
    clients.push(client);
    const session = client.openCase(caseId);
    await session.synced;
    sessions.push(session);
  }
  const [writer, ...others] = sessions as [CaseSession, ...CaseSession[]];
  const arrived = Promise.all(
    others.map(
      (session) =>
        new Promise<void>((done) => {
          const check = (): void => {
            if (session.notes.length === edits) done();
          };
          session.doc.on('update', check);
        }),
    ),
  );
  const before = writeCalls(server.pid);
  for (let i = 0; i < edits; i++) {
    writer.notes.insert(0, 'x');
    await writer.flushed();
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
