/**
 * A load process: receives one task from the harness over IPC, runs it against the server under
 * test, and answers with its result. It never runs in the server's process.
 */
import { CaseClient, type CaseSession } from '@caseroom/client';
import * as Y from 'yjs';
import { startCpuWindow } from '../cpuTime.js';
import { summarizeLatencies } from '../stats.js';
import { mintToken } from '../tokens.js';
import { notesOf, now, openClient, openMany, sleep, tokenFor, withTimeout, type BenchClient } from './clients.js';
import { runPeople } from './people.js';
import { drain, LoadRoom, typeAtRate } from './room.js';
import { holdRooms } from './rooms.js';
import { runShift } from './shift.js';
import type { ColdJoinResult, FanoutResult, HarnessWord, HistoryResult, LoadMessage, LoadTask, OwnershipResult } from './tasks.js';

// y-websocket's provider adds an exit listener per client; hundreds are expected here.
process.setMaxListeners(0);

const send = (message: LoadMessage): void => void process.send!(message);

process.once('message', (task: LoadTask) => {
  run(task).then(
    (result) => finish({ result }),
    (err: unknown) => finish({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
  );
});

/**
 * Answers and leaves. Closed clients can still hold a handle for a while (a provider's reconnect
 * timer, a socket being torn down), and the harness exits only once its load processes have.
 * The channel closes once the answer is written: a large answer (every latency sample) is still
 * on its way when `send` returns, and disconnecting then loses it.
 */
function finish(message: LoadMessage): void {
  process.send!(message, () => {
    process.disconnect();
    setTimeout(() => process.exit(0), 1000).unref();
  });
}

async function run(task: LoadTask): Promise<unknown> {
  switch (task.kind) {
    case 'fanout':
      return fanout(task);
    case 'rooms':
      return holdRooms(task, send);
    case 'connections':
      return connections(task);
    case 'history':
      return history(task);
    case 'coldjoin':
      return coldJoin(task);
    case 'ownership':
      return ownership(task);
    case 'people':
      return runPeople(task, {
        ready: () => send({ ready: true }),
        until: heard,
        typed: () => send({ typed: true }),
      });
    case 'shift':
      return runShift(task, {
        progress: (counts) => send({ progress: counts }),
        stopped: heard('stop'),
      });
  }
}

/** Resolves when the harness says `word` (a `people` task, which the harness paces). */
function heard(word: HarnessWord): Promise<void> {
  return new Promise((done) => {
    const onMessage = (message: unknown): void => {
      if (message !== word) return;
      process.off('message', onMessage);
      done();
    };
    process.on('message', onMessage);
  });
}

async function fanout(task: Extract<LoadTask, { kind: 'fanout' }>): Promise<FanoutResult> {
  const room = await LoadRoom.open(task.target, task.endpoint, task.caseId, task.clients);
  await sleep(1000);
  const writers = Array.from({ length: task.writers }, (_, i) => i);
  room.startRecording();
  const cpu = startCpuWindow(task.serverPid);
  const sent = await typeAtRate(room, writers, task.ratePerWriter, task.seconds);
  const window = cpu.end(room.received);
  const expected = sent * (task.clients - 1);
  await drain(room, expected, 3000);
  const samples = room.stopRecording();
  const result = { sent, expected, received: room.received, window, ...summarizeLatencies(samples) };
  await room.close();
  return result;
}

async function connections(task: Extract<LoadTask, { kind: 'connections' }>): Promise<{ opened: number }> {
  const clients = await openMany(
    task.target,
    task.endpoint,
    task.count,
    (i) => `${task.casePrefix}${task.from + i}`,
    (i) => `agent-${task.from + i}`,
    50,
  );
  send({ ready: true });
  // The harness measures the server now, then asks us to close.
  await new Promise<void>((done) => process.once('message', () => done()));
  await Promise.all(clients.map((client) => client.close()));
  return { opened: clients.length };
}

/** Types `updates` single-character edits (now and then a deletion) into one case, as a long-running case would have had. */
async function history(task: Extract<LoadTask, { kind: 'history' }>): Promise<HistoryResult> {
  const writer = await openClient(task.target, task.endpoint, task.caseId, 'historian');
  await withTimeout(writer.synced, 30_000, 'the writer did not sync');
  const notes = notesOf(writer.doc);
  for (let i = 0; i < task.updates; i++) {
    if (i % 10 === 9 && notes.length > 0) notes.delete(notes.length - 1, 1);
    else notes.insert(notes.length, String.fromCharCode(97 + (i % 26)));
    if (i % 500 === 499) {
      // Keep the send queue short: wait for the server where the protocol says when it has stored.
      if (writer.flushed && i % 5000 === 4999) await writer.flushed();
      else await new Promise((done) => setImmediate(done));
    }
  }
  if (writer.flushed) await writer.flushed();
  const length = notes.length;
  // The server has everything once a fresh client sees all of it.
  const deadline = Date.now() + 300_000;
  for (;;) {
    const probe = await openClient(task.target, task.endpoint, task.caseId, 'probe');
    await withTimeout(probe.synced, 60_000, 'the probe did not sync');
    await sleep(500);
    const seen = notesOf(probe.doc).length;
    await probe.close();
    if (seen === length) break;
    if (Date.now() > deadline) throw new Error(`the server holds ${seen} of ${length} characters`);
    await sleep(1000);
  }
  await writer.close();
  // Give the server time to persist after the last connection left (Hocuspocus stores then).
  await sleep(1000);
  return { length };
}

/**
 * Runs Yjs's decoding and integration a few times on a document made here, with no server
 * involved: the newcomer is a fresh client in an app that has already run (as an agent's console
 * has), not the first code a process ever runs. The server under test stays cold.
 */
function warmUpYjs(): void {
  const source = new Y.Doc();
  const text = notesOf(source);
  for (let i = 0; i < 20_000; i++) {
    if (i % 10 === 9) text.delete(text.length - 1, 1);
    else text.insert(text.length, String.fromCharCode(97 + (i % 26)));
  }
  const state = Y.encodeStateAsUpdate(source);
  for (let round = 0; round < 5; round++) Y.applyUpdate(new Y.Doc(), state);
}

async function coldJoin(task: Extract<LoadTask, { kind: 'coldjoin' }>): Promise<ColdJoinResult> {
  warmUpYjs();
  // The newcomer has its token before it opens the case, as an agent app has from its sign-in.
  const token = await tokenFor(task.target, task.endpoint, 'newcomer');
  const started = now();
  const client: BenchClient = await openClient(task.target, task.endpoint, task.caseId, 'newcomer', token);
  const notes = notesOf(client.doc);
  const marks: string[] = [];
  if (process.env.BENCH_TRACE === '1') {
    const mark = (name: string) => () => marks.push(`${name} ${(now() - started).toFixed(1)}`);
    client.doc.on('beforeTransaction', mark('apply-start'));
    client.doc.on('afterTransaction', mark('apply-end'));
    client.doc.on('afterTransactionCleanup', mark('cleanup-end'));
  }
  // Fully synced: synced, and the whole history is in the document (a server may send it after its first answer).
  await withTimeout(
    client.synced.then(
      () =>
        new Promise<void>((done) => {
          if (notes.length === task.expectedLength) return done();
          const check = (): void => {
            if (notes.length !== task.expectedLength) return;
            client.doc.off('update', check);
            done();
          };
          client.doc.on('update', check);
        }),
    ),
    120_000,
    'the newcomer was not fully synced within 120 s',
  );
  const ms = now() - started;
  if (marks.length > 0) console.error(`cold join: ${marks.join(', ')}, done ${ms.toFixed(1)}`);
  await client.close();
  return { ms, length: notes.length };
}

/** Claims and approval decisions on a cluster of caseroom nodes, agents spread over the nodes. */
async function ownership(task: Extract<LoadTask, { kind: 'ownership' }>): Promise<OwnershipResult> {
  const agents: Array<{ client: CaseClient; node: number; sessions: CaseSession[] }> = [];
  for (const [node, endpoint] of task.endpoints.entries()) {
    for (let i = 0; i < task.agentsPerNode; i++) {
      const token = await mintToken(endpoint.secret!, `agent-${node}-${i}`);
      agents.push({ client: new CaseClient({ url: endpoint.httpUrl, token, transports: ['websocket'] }), node, sessions: [] });
    }
  }
  task.caseIds.forEach((caseId, i) => {
    const agent = agents[i % agents.length]!;
    agent.sessions.push(agent.client.openCase(caseId));
  });
  await Promise.all(agents.flatMap((agent) => agent.sessions.map((s) => withTimeout(s.synced, 60_000, 'a case did not open'))));

  let started = performance.now();
  await Promise.all(agents.flatMap((agent) => agent.sessions.map((s) => s.claim())));
  const claimSeconds = (performance.now() - started) / 1000;

  // Each owner asks for approval on its first cases; an agent on the other node decides.
  const requests: Array<{ approvalId: string; decider: CaseClient }> = [];
  const perAgent = Math.ceil(task.decisions / agents.length);
  await Promise.all(
    agents.map(async (agent, index) => {
      const decider = agents[(index + task.agentsPerNode) % agents.length]!.client;
      for (const session of agent.sessions.slice(0, perAgent)) {
        const approval = await session.requestApproval({
          kind: 'refund',
          summary: 'Refund the duplicate charge',
          amount: 12.5,
          currency: 'EUR',
        });
        requests.push({ approvalId: approval.id, decider });
      }
    }),
  );
  started = performance.now();
  await Promise.all(requests.map(({ approvalId, decider }) => decider.approve(approvalId)));
  const decisionSeconds = (performance.now() - started) / 1000;
  await Promise.all(agents.map((agent) => agent.client.close()));
  const claims = task.caseIds.length;
  return {
    claims,
    claimsPerSecond: claims / claimSeconds,
    decisions: requests.length,
    decisionsPerSecond: requests.length / decisionSeconds,
  };
}
