/**
 * What the hub really sends on `/cases` is what the event table (shared/src/events.ts) declares:
 * a session that makes every request of the table, and hears every event of it, records each
 * acknowledgement and each event a real hub sent, and every one must pass its schema. The types
 * keep the hub's code honest; this keeps what comes out of the stores and the planes honest.
 */
import {
  ackSchemaOf,
  clientEvents,
  encodeAwarenessUpdate,
  encodeSyncStep1,
  encodeUpdate,
  serverEvents,
  type ClientEventName,
  type Identity,
  type ServerEventName,
} from '@caseroom/shared';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { mintToken, startTestHub, type TestHub } from '../helpers/hub.js';
import { api } from '../helpers/http.js';
import { amy, ann, chatConnector, qaBot, sue } from '../helpers/people.js';
import { connected, rawSocket } from '../helpers/sockets.js';
import { pollUntil, waitFor } from '../helpers/wait.js';

interface Heard {
  socket: Socket;
  event: string;
  args: unknown[];
}
interface Answered {
  event: string;
  ack: unknown;
}

const tom: Identity = { userId: 'tom', name: 'Tom', role: 'agent', team: 'billing' };

let hub: TestHub;
const heard: Heard[] = [];
const answered: Answered[] = [];

/** A raw socket of `who` that records every event the hub sends it (acknowledging those that ask). */
async function listener(who: Identity, expiresIn = '1h'): Promise<Socket> {
  const socket = rawSocket(hub.url, await mintToken(who, expiresIn));
  // Before connecting: auth:expires comes right with the connection.
  socket.onAny((event: string, ...args: unknown[]) => {
    const ack = typeof args.at(-1) === 'function' ? (args.pop() as () => void) : undefined;
    heard.push({ socket, event, args });
    ack?.();
  });
  return connected(socket);
}

/** Sends a request, records its acknowledgement, and returns it. */
async function ask(socket: Socket, event: ClientEventName, ...args: unknown[]): Promise<any> {
  const ack: unknown = await socket.emitWithAck(event, ...args);
  answered.push({ event, ack });
  return ack;
}

/**
 * Resolves once `socket` has heard `event` with arguments `accept` takes, counting what it heard
 * from the `since`th record on (by default: only what comes next).
 */
function hears(
  socket: Socket,
  event: ServerEventName,
  accept: (...args: any[]) => boolean = () => true,
  since = heard.length,
): Promise<true> {
  return waitFor(
    `${event} to reach ${socket.id}`,
    (check) => {
      socket.onAny(check);
      return () => socket.offAny(check);
    },
    () => heard.slice(since).some((entry) => entry.socket === socket && entry.event === event && accept(...entry.args)) || undefined,
  );
}

/** Why `value` does not fit `schema`, or null. */
function misfit(schema: { safeParse(value: unknown): { success: boolean; error?: { issues: unknown[] } } }, value: unknown): unknown {
  const result = schema.safeParse(value);
  return result.success ? null : result.error!.issues;
}

/** Events are kept 2 s: a subscriber that holds its first batch that long has its subscription ended. */
const retentionEnv = { CASEROOM_EVENT_RETENTION: '2s', CASEROOM_RETENTION_INTERVAL: '1s' };

beforeAll(async () => {
  hub = await startTestHub(retentionEnv);
  const caseId = await hub.createCase();

  // Records what it hears like the others, but holds its first batch of events unacknowledged.
  const laggard = rawSocket(hub.url, await mintToken({ ...qaBot, userId: 'qa-laggard' }));
  let heldBatch = null as { last: string; ack: () => void } | null;
  laggard.onAny((event: string, ...args: unknown[]) => {
    const ack = typeof args.at(-1) === 'function' ? (args.pop() as () => void) : undefined;
    heard.push({ socket: laggard, event, args });
    const events = args[1] as Array<{ id: string }>;
    if (event === 'events' && ack) heldBatch ??= { last: events.at(-1)!.id, ack };
  });
  await connected(laggard);
  await ask(laggard, 'events:subscribe', { cases: [caseId], after: 'start' });

  // Expires while the rest plays out: it hears auth:expired.
  const tim = await listener({ userId: 'tim', name: 'Tim', role: 'agent', team: 'billing' }, '3s');

  const bot = await listener(qaBot);
  const { subscriptionId } = await ask(bot, 'events:subscribe', { cases: [caseId] });
  // Follows a type the case has no more of: as the hub reads past the rest, it says where the subscription stands.
  await ask(bot, 'events:subscribe', { cases: [caseId], types: ['case.created'] });

  const annSocket = await listener(ann);
  const annDoc = new Y.Doc();
  const greeted = hears(annSocket, 'doc:sync');
  await ask(annSocket, 'case:join', { caseId, stateVector: Y.encodeStateVector(annDoc) });
  await greeted;
  await ask(annSocket, 'doc:sync', caseId, encodeSyncStep1(Y.encodeStateVector(annDoc)));

  const amySocket = await listener(amy);
  const amyJoined = hears(annSocket, 'roster');
  await ask(amySocket, 'case:join', { caseId });
  await amyJoined;

  const relayed = hears(amySocket, 'doc:sync', (_caseId, message: Uint8Array) => message[0] === 2);
  const before = Y.encodeStateVector(annDoc);
  annDoc.getText('notes').insert(0, 'Customer was charged twice.');
  await ask(annSocket, 'doc:sync', caseId, encodeUpdate(Y.encodeStateAsUpdate(annDoc, before)));
  await relayed;
  const cursor = hears(amySocket, 'doc:awareness');
  await ask(annSocket, 'doc:awareness', caseId, encodeAwarenessUpdate([{ clientId: annDoc.clientID, clock: 1, state: { cursor: 3 } }]));
  await cursor;
  await ask(annSocket, 'presence:status', { caseId, status: 'away' });

  // A step given to Ann that is due already: the hub finds it overdue at once and tells her.
  const overdue = hears(annSocket, 'step:overdue');
  const beforeStep = Y.encodeStateVector(annDoc);
  const step = new Y.Map<unknown>();
  for (const [field, value] of Object.entries({
    id: 'call-back',
    text: 'Call back',
    assignee: ann.userId,
    due: new Date().toISOString(),
    done: false,
  }))
    step.set(field, value);
  annDoc.getArray('steps').push([step]);
  await ask(annSocket, 'doc:sync', caseId, encodeUpdate(Y.encodeStateAsUpdate(annDoc, beforeStep)));
  await overdue;

  await ask(annSocket, 'owner:claim', { caseId });
  await ask(annSocket, 'owner:offer', { caseId, userId: amy.userId });
  await ask(amySocket, 'owner:decline', { caseId });
  await ask(annSocket, 'owner:offer', { caseId, userId: amy.userId });
  await ask(amySocket, 'owner:accept', { caseId });
  const sueSocket = await listener(sue);
  await ask(sueSocket, 'case:join', { caseId });
  await ask(sueSocket, 'owner:reassign', { caseId, userId: ann.userId });

  // The conversation: a connector brings a message in, Ann gives Amy the floor, replies, amends.
  const connector = await listener(chatConnector);
  const arrived = hears(amySocket, 'conversation:message');
  const posted = await ask(connector, 'conversation:post', {
    caseId,
    channel: 'chat',
    body: 'I was charged twice',
    externalId: 'chat-1',
    customer: { name: 'Dana', address: 'dana@example.com' },
  });
  await arrived;
  const floorGiven = hears(amySocket, 'floor');
  await ask(annSocket, 'floor:give', { caseId, userId: amy.userId });
  await floorGiven;
  const writing = hears(annSocket, 'conversation:composing');
  await ask(amySocket, 'conversation:composing', { caseId, composing: true });
  await writing;
  const sent = await ask(annSocket, 'conversation:send', { caseId, body: 'The refund is on its way', confirm: true });
  const delivered = hears(annSocket, 'conversation:delivery');
  await ask(connector, 'conversation:delivery', { caseId, seq: sent.message.seq, status: 'delivered' });
  await delivered;
  await ask(annSocket, 'conversation:correct', { caseId, seq: sent.message.seq, body: 'The refund left today' });
  await ask(annSocket, 'conversation:redact', { caseId, seq: posted.message.seq, reason: 'card number' });
  await ask(amySocket, 'conversation:history', { caseId, after: 0 });
  await ask(annSocket, 'floor:take', { caseId });
  await ask(annSocket, 'case:resolve', { caseId });
  await ask(annSocket, 'owner:release', { caseId });
  const reopened = hears(annSocket, 'case:updated');
  await ask(sueSocket, 'case:reopen', { caseId });
  await reopened;

  const { approval } = await ask(annSocket, 'approval:request', {
    caseId,
    kind: 'refund',
    summary: 'Refund the second charge',
    amount: 49.99,
    currency: 'EUR',
    customerProposal: 'A refund of the second charge',
  });
  await ask(amySocket, 'approval:decide', { approvalId: approval.id, verdict: 'approve', comment: 'Within policy' });
  const waiver = await ask(annSocket, 'approval:request', { caseId, kind: 'fee_waiver', summary: 'Waive the late fee' });
  await ask(amySocket, 'approval:pending', {});
  const cancelled = hears(amySocket, 'approval', (update: { change: { kind: string } }) => update.change.kind === 'cancelled');
  await ask(annSocket, 'approval:cancel', { approvalId: waiver.approval.id });
  await cancelled;

  // Refusals: a field named, and an edit that breaks the document (with details.path).
  await ask(annSocket, 'owner:claim', { caseId: '../etc' });
  const broken = new Y.Doc();
  broken.getArray('steps').push(['not a step']);
  expect(await ask(annSocket, 'doc:sync', caseId, encodeUpdate(Y.encodeStateAsUpdate(broken)))).toMatchObject({
    error: { code: 'invalid_document', details: { path: expect.any(String) } },
  });

  await ask(annSocket, 'auth:refresh', { token: await mintToken(ann) });

  await hears(bot, 'events', (_id, events: Array<{ type: string }>) => events.some((e) => e.type === 'approval.cancelled'), 0);
  await ask(bot, 'events:unsubscribe', { subscriptionId });
  await hears(bot, 'events:caughtUp', () => true, 0);

  // The events after the laggard's batch are trimmed before it reads them: the hub ends its subscription.
  const held = await pollUntil('the laggard to hold a batch', async () => heldBatch ?? undefined);
  await pollUntil(
    'the events after the held batch to be trimmed',
    async () => hub.store.events.compare(await hub.store.events.oldest(), held.last)! > 0,
  );
  const ended = hears(laggard, 'events:ended');
  held.ack();
  await ended;
  await ask(annSocket, 'case:leave', { caseId });

  const tomSocket = await listener(tom);
  const revoked = hears(tomSocket, 'auth:revoked');
  expect(await api(hub.url, `/api/users/${tom.userId}/revoke`, { method: 'POST', token: await mintToken(sue) })).toMatchObject({
    status: 200,
  });
  await revoked;
  await hears(tim, 'auth:expired', () => true, 0);

  // Last: the hub going away closes the cases still open.
  const closed = hears(amySocket, 'case:closed');
  await hub.close();
  await closed;
}, 60_000);

afterAll(() => hub.stop());

describe('everything a real hub sends on /cases', () => {
  it('answers every request of the table, each with an acknowledgement its schema accepts', () => {
    expect(new Set(answered.map(({ event }) => event))).toEqual(new Set(Object.keys(clientEvents)));
    const misfits = answered
      .map(({ event, ack }) => ({ event, ack, problem: misfit(ackSchemaOf(event as ClientEventName), ack) }))
      .filter(({ problem }) => problem !== null);
    expect(misfits).toEqual([]);
  });

  it('sends every event of the table, each with a payload its schema accepts', () => {
    expect(new Set(heard.map(({ event }) => event))).toEqual(new Set(Object.keys(serverEvents)));
    const misfits = heard
      .map(({ event, args }) => {
        const spec = serverEvents[event as ServerEventName];
        const payload = 'positional' in spec ? Object.fromEntries(spec.positional.map((key, i) => [key, args[i]])) : args[0];
        return { event, args, problem: misfit(spec.payload, payload) };
      })
      .filter(({ problem }) => problem !== null);
    expect(misfits).toEqual([]);
  });
});
