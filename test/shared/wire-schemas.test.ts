/**
 * The event table (shared/src/events.ts) is the one description of the wire: every event has its
 * schemas, the requests the SDK sends pass them unchanged (binary as the same bytes), and what does
 * not fit is refused with `invalid_payload` (or the field's own code) naming the field.
 */
import {
  ackSchemaOf,
  argumentCount,
  CaseroomError,
  clientEvents,
  encodeSyncStep1,
  encodeUpdate,
  isClientEvent,
  readRequest,
  serverEvents,
  unowned,
  type ClientEventName,
  type ClientToServerEvents,
} from '@caseroom/shared';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import * as Y from 'yjs';

type Arguments<E extends ClientEventName> = Parameters<ClientToServerEvents[E]> extends [...infer A, unknown] ? A : never;

const doc = new Y.Doc();
doc.getText('notes').insert(0, 'Customer was charged twice.');
const stateVector = Y.encodeStateVector(doc);
const caseId = 'case-1';

/** One request per event, built as the SDK builds it (typed by the derived event map). */
const sdkRequests: { [E in ClientEventName]: Arguments<E> } = {
  'case:join': [{ caseId, stateVector }],
  'case:leave': [{ caseId }],
  'doc:sync': [caseId, encodeUpdate(Y.encodeStateAsUpdate(doc))],
  'doc:awareness': [caseId, new Uint8Array([1, 77, 1, 2, 2, 123, 125])],
  'presence:status': [{ caseId, status: 'away' }],
  'owner:claim': [{ caseId }],
  'owner:offer': [{ caseId, userId: 'amy' }],
  'owner:accept': [{ caseId }],
  'owner:decline': [{ caseId }],
  'owner:reassign': [{ caseId, userId: 'amy' }],
  'owner:release': [{ caseId }],
  'approval:request': [{ caseId, kind: 'refund', summary: 'Refund the second charge', amount: 49.99, currency: 'EUR' }],
  'approval:decide': [{ approvalId: 'a-1', verdict: 'approve', comment: 'Within reason' }],
  'approval:cancel': [{ approvalId: 'a-1' }],
  'approval:pending': [{}],
  'events:subscribe': [{ cases: [caseId], types: ['owner.claimed'], after: '41' }],
  'events:unsubscribe': [{ subscriptionId: 's-1' }],
  'auth:refresh': [{ token: 'aaa.bbb.ccc' }],
  'conversation:send': [{ caseId, body: 'Refunded today', channel: 'email', confirm: true }],
  'conversation:post': [
    { caseId, channel: 'chat', body: 'Charged twice', externalId: 'chat-1', customer: { name: 'Dana' }, sentAt: '2026-12-02T10:00:00Z' },
  ],
  'conversation:delivery': [{ caseId, seq: 2, status: 'failed', reason: 'mailbox full' }],
  'conversation:correct': [{ caseId, seq: 2, body: 'Refunded tomorrow' }],
  'conversation:redact': [{ caseId, seq: 1, reason: 'card number' }],
  'conversation:composing': [{ caseId, composing: true }],
  'conversation:history': [{ caseId, before: 10, limit: 20 }],
  'floor:give': [{ caseId, userId: 'sid' }],
  'floor:take': [{ caseId }],
  'case:resolve': [{ caseId }],
  'case:reopen': [{ caseId }],
};

/** The refusal `readRequest` throws for these arguments. */
function refusal(event: ClientEventName, args: unknown[]): CaseroomError {
  try {
    readRequest(event, args);
  } catch (err) {
    if (err instanceof CaseroomError) return err;
    throw err;
  }
  throw new Error(`${event} accepted ${JSON.stringify(args)}`);
}

describe('the event table', () => {
  it('describes every client event with a request schema, an answer schema and its arguments', () => {
    for (const [event, spec] of Object.entries(clientEvents)) {
      expect(spec.request, event).toBeInstanceOf(z.ZodType);
      expect(spec.answer, event).toBeInstanceOf(z.ZodObject);
      expect(spec.doc.length, event).toBeGreaterThan(10);
      if ('positional' in spec) expect([...spec.positional], event).toEqual(Object.keys(spec.request.shape));
      expect(argumentCount(event as ClientEventName)).toBe('positional' in spec ? spec.positional.length : 1);
    }
  });

  it('describes every hub event with a payload schema, its arguments in order', () => {
    for (const [event, spec] of Object.entries(serverEvents)) {
      expect(spec.payload, event).toBeInstanceOf(z.ZodType);
      expect(spec.doc.length, event).toBeGreaterThan(10);
      if ('positional' in spec) expect([...spec.positional], event).toEqual(Object.keys(spec.payload.shape));
    }
  });

  it('knows only its own events, not Object.prototype’s', () => {
    expect(Object.keys(clientEvents).every(isClientEvent)).toBe(true);
    for (const name of ['constructor', '__proto__', 'toString', 'disconnect', 'case:delete', 42]) expect(isClientEvent(name)).toBe(false);
  });
});

describe('requests as the SDK sends them', () => {
  it.each(Object.keys(clientEvents) as ClientEventName[])('passes %s unchanged', (event) => {
    const args = sdkRequests[event] as unknown[];
    const spec = clientEvents[event];
    const sent = 'positional' in spec ? Object.fromEntries(spec.positional.map((key, i) => [key, args[i]])) : args[0];
    expect(readRequest(event, args)).toEqual(
      event === 'events:subscribe' || event === 'approval:pending' ? expect.objectContaining(sent) : sent,
    );
  });

  it('hands binary on as the very bytes Socket.IO delivered, a Buffer in Node', () => {
    const message = Buffer.from(encodeSyncStep1(stateVector));
    expect(readRequest('doc:sync', [caseId, message]).message).toBe(message);
    expect(readRequest('case:join', [{ caseId, stateVector }]).stateVector).toBe(stateVector);
  });

  it('fills in what a request may leave out', () => {
    expect(readRequest('events:subscribe', [{}])).toEqual({ cases: 'team' });
    expect(readRequest('approval:pending', [undefined])).toEqual({});
    expect(readRequest('approval:pending', [null])).toEqual({});
  });
});

describe('requests that do not fit', () => {
  it.each<[string, ClientEventName, unknown[], { code: string; field: string }]>([
    ['a join without arguments', 'case:join', [undefined], { code: 'invalid_payload', field: '' }],
    ['a case id that breaks the pattern', 'case:join', [{ caseId: '../../etc/passwd' }], { code: 'invalid_payload', field: 'caseId' }],
    ['an unknown extra field', 'case:join', [{ caseId, admin: true }], { code: 'invalid_payload', field: 'admin' }],
    [
      'a state vector that is not binary',
      'case:join',
      [{ caseId, stateVector: 'AAA=' }],
      { code: 'invalid_payload', field: 'stateVector' },
    ],
    ['a string where binary belongs', 'doc:sync', [caseId, 'INJECTED'], { code: 'invalid_payload', field: 'message' }],
    ['a missing message', 'doc:awareness', [caseId, undefined], { code: 'invalid_payload', field: 'message' }],
    ['an object where the case id belongs', 'doc:sync', [{ caseId }, new Uint8Array([0, 0])], { code: 'invalid_payload', field: 'caseId' }],
    ['a status nobody has', 'presence:status', [{ caseId, status: 'asleep' }], { code: 'invalid_payload', field: 'status' }],
    [
      'an amount with three decimals',
      'approval:request',
      [{ caseId, kind: 'refund', summary: 'x', amount: 1.234, currency: 'EUR' }],
      { code: 'invalid_amount', field: 'amount' },
    ],
    [
      'an amount without its currency',
      'approval:request',
      [{ caseId, kind: 'refund', summary: 'x', amount: 5 }],
      { code: 'invalid_amount', field: 'currency' },
    ],
    [
      'a kind that is not a word',
      'approval:request',
      [{ caseId, kind: 'Refund!', summary: 'x' }],
      { code: 'invalid_payload', field: 'kind' },
    ],
    ['an empty list of cases', 'events:subscribe', [{ cases: [] }], { code: 'invalid_filter', field: 'cases' }],
    ['an event type nobody has', 'events:subscribe', [{ types: ['case.deleted'] }], { code: 'invalid_filter', field: 'types.0' }],
    ['a cursor that is a number', 'events:subscribe', [{ after: 0 }], { code: 'invalid_cursor', field: 'after' }],
    ['a cursor that is an object', 'events:subscribe', [{ after: {} }], { code: 'invalid_cursor', field: 'after' }],
    ['an empty cursor', 'events:subscribe', [{ after: '' }], { code: 'invalid_cursor', field: 'after' }],
    ['an empty token', 'auth:refresh', [{ token: '' }], { code: 'invalid_payload', field: 'token' }],
  ])('refuses %s', (_what, event, args, expected) => {
    expect(refusal(event, args)).toMatchObject(expected);
  });

  it('says which field is wrong, and why, in the message', () => {
    expect(refusal('owner:offer', [{ caseId }]).message).toMatch(/^userId: /);
    expect(refusal('doc:sync', [caseId, 7]).message).toBe('message: Expected a binary message');
  });
});

describe('acknowledgements', () => {
  it('fit the answers the hub gives and its refusals', () => {
    expect(ackSchemaOf('owner:claim').parse({ ok: true, ownership: unowned })).toEqual({ ok: true, ownership: unowned });
    expect(ackSchemaOf('doc:sync').parse({ ok: true, reply: new Uint8Array([0]) })).toMatchObject({ ok: true });
    expect(ackSchemaOf('case:leave').parse({ ok: true })).toEqual({ ok: true });
    const refused = { ok: false, error: { code: 'invalid_document', message: 'no', details: { path: 'steps[0]' } } };
    expect(ackSchemaOf('doc:sync').parse(refused)).toEqual(refused);
  });

  it('do not fit an answer with fields its event does not give, or an unknown code', () => {
    expect(ackSchemaOf('case:leave').safeParse({ ok: true, extra: 1 }).success).toBe(false);
    expect(ackSchemaOf('case:leave').safeParse({ ok: false, error: { code: 'no_such_code', message: 'x' } }).success).toBe(false);
  });
});
