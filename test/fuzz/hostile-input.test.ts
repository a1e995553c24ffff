/**
 * Random and mutated input thrown at a running hub: Socket.IO events with any arguments, mutated
 * y-protocols sync and awareness messages, raw y-websocket frames, and mangled tokens. The process
 * keeps serving, every request gets a well-formed acknowledgement (or the connection is closed
 * cleanly), and a case the attacker never joined does not change at all.
 *
 * Runs a few hundred cases under `npm test`; `npm run fuzz` (FUZZ_RUNS) runs many more.
 */
import type { CaseSession } from '@caseroom/client';
import {
  clientEvents,
  decodeAwarenessUpdate,
  decodeFrame,
  encodeAwarenessFrame,
  encodeAwarenessUpdate,
  encodeSyncFrame,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeUpdate,
} from '@caseroom/shared';
import fc from 'fast-check';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { openCaseAs } from '../helpers/clients.js';
import { ackProblem, fuzzRuns, fuzzSeed, fuzzTimeout, mutated } from '../helpers/fuzz.js';
import { mintToken, startTestHub, type TestHub } from '../helpers/hub.js';
import { ann, mallory, otto } from '../helpers/people.js';
import { connected, connectError, rawSocket, type ConnectError } from '../helpers/sockets.js';
import { rawWebSocket } from '../helpers/yjs.js';

const socketRuns = fuzzRuns(300);
const frameRuns = fuzzRuns(100);
const tokenRuns = fuzzRuns(200);

let hub: TestHub;
/** the attacker's own case (billing): anything valid may change it */
let ownCase: string;
/** another team's case, open in a watcher's session: nothing may change it */
let otherCase: string;
let watcher: CaseSession;
let otherBefore: unknown;
let watcherUpdates = 0;

const documentOf = (doc: Y.Doc) => ({
  notes: doc.getText('notes').toString(),
  steps: doc.getArray('steps').toJSON(),
  facts: doc.getMap('facts').toJSON(),
});

beforeAll(async () => {
  // A small message limit so that oversized input is part of what the fuzzer reaches.
  hub = await startTestHub({ CASEROOM_MAX_MESSAGE_BYTES: '16384' });
  ownCase = await hub.createCase();
  otherCase = await hub.createCase({ team: 'shipping' });
  ({ session: watcher } = await openCaseAs(hub.url, otherCase, otto));
  watcher.notes.insert(0, 'Parcel lost in transit. ');
  watcher.facts.record('tracking number', 'TR-1');
  watcher.steps.add({ text: 'Open a claim with the carrier' });
  await watcher.flushed();
  otherBefore = documentOf(watcher.doc);
  watcher.doc.on('update', () => watcherUpdates++);
}, 30_000);

afterAll(() => hub.stop());

/** After every property: the other case is exactly as it was, live and stored, and the hub answers. */
async function expectOtherCaseUntouched(): Promise<void> {
  expect(documentOf(watcher.doc)).toEqual(otherBefore);
  expect(watcherUpdates).toBe(0);
  const stored = await hub.store.documents.load(otherCase);
  const doc = new Y.Doc();
  if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot);
  for (const update of stored.updates) Y.applyUpdate(doc, update);
  expect(documentOf(doc)).toEqual(otherBefore);
  // Only the watcher's own awareness (if any) is known in the other case.
  for (const clientId of watcher.awareness.getStates().keys()) expect(clientId).toBe(watcher.doc.clientID);
  expect((await fetch(`${hub.url}/healthz`)).status).toBe(200);
}

// Valid y-protocols material to mutate.
const textUpdate = fc.string({ maxLength: 40 }).map((text) => {
  const doc = new Y.Doc();
  doc.getText('notes').insert(0, text);
  doc.getMap('facts').set('q', { answer: text, by: 'x', at: 'now' });
  return Y.encodeStateAsUpdate(doc);
});
const syncMessage = fc.oneof(
  textUpdate.map(encodeUpdate),
  textUpdate.map(encodeSyncStep2),
  textUpdate.map((update) => {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, update);
    return encodeSyncStep1(Y.encodeStateVector(doc));
  }),
);
const awarenessUpdate = fc
  .record({ clientId: fc.nat(), clock: fc.nat(), state: fc.oneof(fc.constant(null), fc.jsonValue()) })
  .map((entry) => encodeAwarenessUpdate([entry as never]));

const binary = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  syncMessage,
  mutated(syncMessage),
  awarenessUpdate,
  mutated(awarenessUpdate),
  fc.uint8Array({ minLength: 16_000, maxLength: 20_000 }),
);

const caseIdArg = fc.oneof(
  fc.constant('OWN'),
  fc.constant('OTHER'),
  fc.string({ maxLength: 70 }),
  fc.constantFrom('../../etc/passwd', '', ' ', 'case:x', '__proto__'),
);

/** Every request of the event table: a new one is fuzzed as soon as it exists. */
const events = Object.keys(clientEvents);

const requestObject = fc.record(
  {
    caseId: caseIdArg,
    userId: fc.oneof(fc.constantFrom('ann', 'bob', 'otto'), fc.string({ maxLength: 10 })),
    status: fc.oneof(fc.constantFrom('active', 'idle', 'away'), fc.string({ maxLength: 8 })),
    kind: fc.string({ maxLength: 20 }),
    summary: fc.string({ maxLength: 50 }),
    amount: fc.oneof(fc.double(), fc.integer(), fc.string({ maxLength: 5 })),
    approvalId: fc.string({ maxLength: 40 }),
    verdict: fc.oneof(fc.constantFrom('approve', 'reject'), fc.string({ maxLength: 8 })),
    cases: fc.oneof(fc.constant('team'), fc.array(caseIdArg, { maxLength: 3 })),
    subscriptionId: fc.string({ maxLength: 40 }),
  },
  { requiredKeys: [] },
);

const anyValue = fc.anything({ maxDepth: 3, withTypedArray: true, withNullPrototype: true });

/** One Socket.IO request: an event name and its arguments (before the callback). */
const request = fc.oneof(
  fc.tuple(fc.constantFrom('doc:sync', 'doc:awareness'), fc.tuple(caseIdArg, binary)).map(([event, args]) => ({ event, args: [...args] })),
  fc.tuple(fc.constantFrom(...events), requestObject).map(([event, body]) => ({ event, args: [body] as unknown[] })),
  fc.tuple(fc.constantFrom(...events), fc.array(anyValue, { maxLength: 3 })).map(([event, args]) => ({ event, args })),
  fc.tuple(fc.string({ maxLength: 20 }), fc.array(anyValue, { maxLength: 2 })).map(([event, args]) => ({ event, args })),
);

/** Puts the real case ids where the arbitraries say OWN and OTHER. */
function resolveIds(value: unknown): unknown {
  if (value === 'OWN') return ownCase;
  if (value === 'OTHER') return otherCase;
  if (Array.isArray(value)) return value.map(resolveIds);
  if (value !== null && typeof value === 'object' && !ArrayBuffer.isView(value) && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolveIds(item)]));
  }
  return value;
}

const reservedEvents = new Set(['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener']);

describe('Socket.IO requests with random and mutated arguments', () => {
  it(
    'answers every one with a well-formed ack or closes the connection, and never touches another team’s case',
    async () => {
      let socket: Socket | undefined;
      const attacker = async (): Promise<Socket> => {
        if (socket?.connected) return socket;
        socket = await connected(rawSocket(hub.url, await mintToken(mallory)));
        const joined = await socket.emitWithAck('case:join', { caseId: ownCase });
        expect(joined).toMatchObject({ ok: true });
        return socket;
      };
      let answered = 0;
      let disconnects = 0;
      const codes = new Set<string>();
      await fc.assert(
        fc.asyncProperty(request, async ({ event, args }) => {
          if (reservedEvents.has(event)) return;
          const s = await attacker();
          const closed = new Promise<'closed'>((resolve) => s.once('disconnect', () => resolve('closed')));
          const acked = s
            .timeout(10_000)
            .emitWithAck(event, ...args.map(resolveIds))
            .then(
              (reply: unknown) => ({ reply }),
              (err: Error) => ({ err }),
            );
          const outcome = await Promise.race([acked, closed]);
          if (outcome === 'closed') {
            disconnects++;
            return;
          }
          if ('err' in outcome) throw new Error(`no acknowledgement to ${event}: ${outcome.err.message}`);
          expect(ackProblem(outcome.reply), `${event} ${JSON.stringify(args).slice(0, 200)}`).toBeNull();
          const reply = outcome.reply as { ok: boolean; error?: { code: string } };
          codes.add(reply.ok ? 'ok' : reply.error!.code);
          answered++;
        }),
        {
          numRuns: socketRuns,
          ...fuzzSeed,
          // Whatever the seed, one request is a valid one: a random valid request comes up in about
          // 1 run of 60, and a seed that drew none would leave 'ok' below unreached.
          examples: [[{ event: 'doc:sync', args: ['OWN', encodeSyncStep1(Y.encodeStateVector(new Y.Doc()))] }]],
        },
      );
      socket?.disconnect();
      expect(answered).toBeGreaterThan(0);
      // Oversized messages are refused with an ack too: no input should cost the connection.
      expect(disconnects).toBe(0);
      // The input reached past validation into the rooms and the planes, not just the first check.
      for (const code of ['ok', 'invalid_payload', 'not_joined', 'malformed_message', 'payload_too_large']) expect(codes).toContain(code);
      await expectOtherCaseUntouched();
    },
    fuzzTimeout(socketRuns),
  );
});

describe('y-websocket frames, random and mutated', () => {
  const frame = fc.oneof(
    fc.uint8Array({ maxLength: 64 }),
    syncMessage.map(encodeSyncFrame),
    mutated(syncMessage.map(encodeSyncFrame)),
    awarenessUpdate.map(encodeAwarenessFrame),
    mutated(awarenessUpdate.map(encodeAwarenessFrame)),
    fc.constantFrom(new Uint8Array([3]), new Uint8Array([2, 0]), new Uint8Array([])),
  );

  it(
    'keeps the connection or closes it with a protocol or documented close code, and never touches another case',
    async () => {
      // 4422 / 4403: a mutated update that decodes and applies but breaks the case document.
      const allowedCloses = new Set([1007, 1008, 1009, 1011, 4403, 4422]);
      const token = await mintToken(mallory);
      let marker = 900_000_000;
      const outcomes = { answered: 0, closed: 0 };
      await fc.assert(
        fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 5 }), async (frames) => {
          const clientId = ++marker;
          const ws = rawWebSocket(hub.url, `/yjs/${ownCase}?token=${token}`);
          await new Promise<void>((resolve, reject) => {
            ws.once('open', () => resolve());
            ws.once('error', reject);
          });
          const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
          for (const bytes of frames) ws.send(bytes);
          // Our own cursor, then a query: the answer that holds the cursor marks the end of our frames.
          const answered = new Promise<'answered'>((resolve) =>
            ws.on('message', (data: Buffer) => {
              const frame = decodeFrame(new Uint8Array(data));
              if (frame.kind === 'awareness' && decodeAwarenessUpdate(frame.update).some((e) => e.clientId === clientId))
                resolve('answered');
            }),
          );
          ws.send(encodeAwarenessFrame(encodeAwarenessUpdate([{ clientId, clock: 1, state: { user: 'm' } }])));
          ws.send(new Uint8Array([3]));
          const outcome = await Promise.race([answered, closed]);
          if (outcome !== 'answered') expect(allowedCloses, `closed with ${outcome}`).toContain(outcome);
          outcomes[outcome === 'answered' ? 'answered' : 'closed']++;
          ws.terminate();
        }),
        { numRuns: frameRuns, ...fuzzSeed },
      );
      expect(outcomes.answered).toBeGreaterThan(0);
      expect(outcomes.closed).toBeGreaterThan(0);
      await expectOtherCaseUntouched();
    },
    fuzzTimeout(frameRuns),
  );
});

describe('tokens, random and mangled', () => {
  const identityCodes = new Set(['unauthenticated', 'invalid_token', 'token_expired']);
  let valid: string;
  beforeAll(async () => {
    valid = await mintToken(ann);
  });

  const mangled = fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.record({ at: fc.nat(), text: fc.string({ minLength: 1, maxLength: 3 }), how: fc.constantFrom('replace', 'insert', 'delete') }),
    fc.tuple(fc.jsonValue(), fc.jsonValue()).map(([header, claims]) => ({ header, claims })),
  );

  const build = (input: unknown): string => {
    if (typeof input === 'string') return input;
    const change = input as { at?: number; text?: string; how?: string; header?: unknown; claims?: unknown };
    if (change.how) {
      const at = change.at! % valid.length;
      if (change.how === 'replace') return valid.slice(0, at) + change.text + valid.slice(at + change.text!.length);
      if (change.how === 'insert') return valid.slice(0, at) + change.text + valid.slice(at);
      return valid.slice(0, at) + valid.slice(at + change.text!.length);
    }
    // A token with any header and claims, signed with the valid token's signature.
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value) ?? 'null').toString('base64url');
    return `${b64(change.header)}.${b64(change.claims)}.${valid.split('.')[2]}`;
  };

  it(
    'refuses every one over HTTP with a well-formed 401, unless it still verifies as exactly the original person',
    async () => {
      const original = await hub.tokens.verify(valid);
      await fc.assert(
        fc.asyncProperty(mangled, async (input) => {
          const token = build(input);
          const res = await fetch(`${hub.url}/api/cases/${ownCase}`, { headers: { authorization: `Bearer ${token}` } }).catch(
            (err: Error) => err,
          );
          // fetch itself refuses header values with control characters: nothing reached the hub.
          if (res instanceof Error) return;
          if (res.status === 200) {
            expect(await hub.tokens.verify(token)).toEqual(original);
            return;
          }
          expect(res.status).toBe(401);
          const body = (await res.json()) as { ok: boolean; error: { code: string } };
          expect(ackProblem(body)).toBeNull();
          expect(identityCodes).toContain(body.error.code);
        }),
        { numRuns: tokenRuns, ...fuzzSeed },
      );
      await expectOtherCaseUntouched();
    },
    fuzzTimeout(tokenRuns),
  );

  it(
    'refuses every one at the Socket.IO handshake with a well-formed error, unless it still verifies as the original person',
    async () => {
      const original = await hub.tokens.verify(valid);
      const runs = Math.ceil(tokenRuns / 4);
      await fc.assert(
        fc.asyncProperty(mangled, async (input) => {
          const token = build(input);
          const socket = rawSocket(hub.url, token);
          const outcome = await Promise.race([
            connected(socket).then(() => 'connected' as const),
            connectError(socket).then((err) => err),
          ]).catch((err: ConnectError) => err);
          socket.disconnect();
          if (outcome === 'connected') {
            expect(await hub.tokens.verify(token)).toEqual(original);
            return;
          }
          expect(ackProblem({ ok: false, error: outcome.data })).toBeNull();
          expect(identityCodes).toContain(outcome.data?.code);
        }),
        { numRuns: runs, ...fuzzSeed },
      );
    },
    fuzzTimeout(tokenRuns),
  );
});
