import { CaseDocument, type Identity } from '@caseroom/shared';
import { Tokens } from '@caseroom/server';
import type { CaseSession } from '@caseroom/client';
import * as encoding from 'lib0/encoding';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { connectClient } from '../helpers/clients.js';
import { mintToken, startTestHub, type TestHub } from '../helpers/hub.js';
import * as people from '../helpers/people.js';
import { storedDocument } from '../helpers/store.js';
import { waitFor, waitForDoc } from '../helpers/wait.js';
import { connectProvider, openRawSocket, providerSynced, refusedUpgrade, socketClosed } from '../helpers/yjs.js';

let hub: TestHub;

beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub.stop());

async function openSession(on: TestHub, caseId: string, who: Identity = people.ann): Promise<CaseSession> {
  const session = connectClient(on.url, await on.token(who)).openCase(caseId);
  await session.synced;
  return session;
}

async function syncedProvider(on: TestHub, caseId: string, who: Identity = people.yan): Promise<WebsocketProvider> {
  const provider = connectProvider(on.url, caseId, await on.token(who));
  await providerSynced(provider);
  return provider;
}

/** Resolves once `awareness` holds a state for `clientId` that passes `accept`. */
function awarenessOf(
  awareness: WebsocketProvider['awareness'],
  clientId: number,
  what: string,
  accept: (state: Record<string, unknown> | undefined) => boolean,
): Promise<true> {
  return waitFor(
    what,
    (check) => {
      awareness.on('change', check);
      return () => awareness.off('change', check);
    },
    () => accept(awareness.getStates().get(clientId)) || undefined,
  );
}

describe('an unmodified y-websocket provider', () => {
  it('edits the same case as an SDK client, in both directions', async () => {
    const caseId = await hub.createCase();
    const provider = await syncedProvider(hub, caseId);
    const ann = await openSession(hub, caseId);
    const editor = new CaseDocument(provider.doc, { author: 'yan' });

    editor.notes.insert(0, 'Typed in a TipTap editor.');
    const stepId = editor.steps.add({ text: 'Call the carrier', assignee: 'ann' });
    editor.facts.record('tracking number', '1Z999');
    await waitForDoc(ann.doc, 'ann to see the provider edits', () => ann.facts.has('tracking number') && ann.steps.list().length === 1);
    expect(ann.notes.toString()).toBe('Typed in a TipTap editor.');
    expect(ann.steps.get(stepId)).toMatchObject({ text: 'Call the carrier', assignee: 'ann', done: false });
    expect(ann.facts.get('tracking number')).toMatchObject({ answer: '1Z999', by: 'yan' });

    ann.notes.insert(ann.notes.length, ' Customer prefers email.');
    ann.steps.complete(stepId);
    ann.steps.add({ text: 'Email the customer' });
    ann.facts.record('email', 'kim@example.com');
    await waitForDoc(provider.doc, 'the provider to see ann edits', () => editor.facts.has('email') && editor.steps.list().length === 2);
    expect(editor.notes.toString()).toBe('Typed in a TipTap editor. Customer prefers email.');
    expect(editor.steps.list().map((s) => [s.text, s.done])).toEqual([
      ['Call the carrier', true],
      ['Email the customer', false],
    ]);
    expect(editor.facts.get('email')?.answer).toBe('kim@example.com');
    expect(Y.encodeStateVector(provider.doc)).toEqual(Y.encodeStateVector(ann.doc));
  });

  it('gives a provider that joins late the whole document', async () => {
    const caseId = await hub.createCase();
    const ann = await openSession(hub, caseId);
    ann.notes.insert(0, 'Written before the provider came.');
    ann.facts.record('order number', 'A-1001');
    await ann.flushed();

    const provider = await syncedProvider(hub, caseId);
    const editor = new CaseDocument(provider.doc, { author: 'yan' });
    expect(editor.notes.toString()).toBe('Written before the provider came.');
    expect(editor.facts.get('order number')?.answer).toBe('A-1001');
  });

  it('stores the provider edits: a restarted hub serves them', async () => {
    const own = await startTestHub();
    const caseId = await own.createCase();
    const provider = await syncedProvider(own, caseId);
    const watcher = await openSession(own, caseId, people.amy);
    const editor = new CaseDocument(provider.doc, { author: 'yan' });
    editor.notes.insert(0, 'Only the provider wrote this.');
    editor.steps.add({ text: 'Provider step' });
    editor.facts.record('plan', 'premium');
    // The hub relays an update only once it is stored, so seeing it means it is durable.
    await waitForDoc(watcher.doc, 'the watcher to see the edits', () => watcher.facts.has('plan') && watcher.steps.list().length === 1);
    // Nothing may resend the edits to the restarted hub: only the store can bring them back.
    provider.disconnect();
    await own.stop({ keepData: true });

    const restarted = await startTestHub({}, own.dataDir);
    try {
      const reader = await openSession(restarted, caseId, people.sam);
      expect(reader.document.toJSON()).toMatchObject({
        notes: 'Only the provider wrote this.',
        steps: [{ text: 'Provider step', done: false }],
        facts: { plan: { answer: 'premium', by: 'yan' } },
      });
    } finally {
      await restarted.stop();
    }
  });

  it('exchanges awareness with SDK sessions, and withdraws it when the provider leaves', async () => {
    const caseId = await hub.createCase();
    const provider = await syncedProvider(hub, caseId);
    const ann = await openSession(hub, caseId);

    provider.awareness.setLocalStateField('cursor', { anchor: 3, head: 7 });
    await awarenessOf(ann.awareness, provider.doc.clientID, 'ann to see the provider cursor', (s) => s?.cursor !== undefined);
    expect(ann.awareness.getStates().get(provider.doc.clientID)?.cursor).toEqual({ anchor: 3, head: 7 });

    ann.awareness.setLocalStateField('typing', true);
    await awarenessOf(provider.awareness, ann.doc.clientID, 'the provider to see ann typing', (s) => s?.typing === true);

    provider.disconnect();
    await awarenessOf(ann.awareness, provider.doc.clientID, 'the provider cursor to vanish', (s) => s === undefined);
  });
});

describe('refusals before the upgrade', () => {
  it.each([
    { what: 'no token', status: 401, code: 'unauthenticated', query: async () => '' },
    { what: 'a token that is not a JWT', status: 401, code: 'invalid_token', query: async () => '?token=not-a-jwt' },
    {
      what: 'a token signed with another secret',
      status: 401,
      code: 'invalid_token',
      query: async () => `?token=${await new Tokens({ secret: 'some-other-secret-0123456789' }).mint(people.ann)}`,
    },
    { what: 'an expired token', status: 401, code: 'token_expired', query: async () => `?token=${await mintToken(people.ann, 1)}` },
  ])('answers $what with HTTP $status $code', async ({ status, code, query }) => {
    const caseId = await hub.createCase();
    const refusal = await refusedUpgrade(hub.url, `/yjs/${caseId}${await query()}`);
    expect(refusal).toMatchObject({ status, body: { ok: false, error: { code } } });
    expect(hub.rooms.get(caseId)).toBeUndefined();
  });

  it('answers a case of another team with HTTP 403 forbidden and loads nothing', async () => {
    const caseId = await hub.createCase({ team: 'shipping' });
    const refusal = await refusedUpgrade(hub.url, `/yjs/${caseId}?token=${await hub.token(people.ann)}`);
    expect(refusal).toMatchObject({ status: 403, body: { ok: false, error: { code: 'forbidden' } } });
    expect(hub.rooms.get(caseId)).toBeUndefined();
  });

  it('answers an unknown case with HTTP 404 unknown_case', async () => {
    const refusal = await refusedUpgrade(hub.url, `/yjs/no-such-case?token=${await hub.token(people.ann)}`);
    expect(refusal).toMatchObject({ status: 404, body: { ok: false, error: { code: 'unknown_case' } } });
    expect(hub.rooms.get('no-such-case')).toBeUndefined();
  });

  it.each([
    ['broken percent escapes', '%ZZ'],
    ['an encoded slash', 'a%2Fb'],
    ['a leading dash', '-starts-with-a-dash'],
    ['65 characters', 'x'.repeat(65)],
  ])('answers a case id with %s with HTTP 404 unknown_case', async (_what, id) => {
    const refusal = await refusedUpgrade(hub.url, `/yjs/${id}?token=${await hub.token(people.ann)}`);
    expect(refusal).toMatchObject({ status: 404, body: { ok: false, error: { code: 'unknown_case' } } });
  });
});

/** A y-websocket frame: the frame type, then (for sync) the sync message type, then a byte array. */
function frame(parts: Array<number | Uint8Array>): Uint8Array {
  const encoder = encoding.createEncoder();
  for (const part of parts) {
    if (typeof part === 'number') encoding.writeVarUint(encoder, part);
    else encoding.writeVarUint8Array(encoder, part);
  }
  return encoding.toUint8Array(encoder);
}

function someUpdate(): Uint8Array {
  const doc = new Y.Doc();
  doc.getText('notes').insert(0, 'injected text that must never appear');
  return Y.encodeStateAsUpdate(doc);
}

describe('a malformed frame', () => {
  const update = someUpdate();
  it.each([
    { what: 'an unknown frame type', bytes: frame([42]) },
    { what: 'an unknown sync message type', bytes: frame([0, 9, new Uint8Array([1, 2, 3])]) },
    { what: 'a truncated document update', bytes: frame([0, 2, update.subarray(0, update.length - 4)]) },
    { what: 'garbage as a document update', bytes: frame([0, 2, new Uint8Array([5, 250, 250, 250, 250, 1, 7])]) },
    { what: 'a sync frame with trailing bytes', bytes: new Uint8Array([...frame([0, 2, update]), 0, 0]) },
    { what: 'an awareness update that does not decode', bytes: frame([1, new Uint8Array([1, 7, 1, 3, 123, 125])]) },
  ])('($what) closes only that connection with 1007, changing nothing', async ({ bytes }) => {
    const caseId = await hub.createCase();
    const ann = await openSession(hub, caseId);
    ann.notes.insert(0, 'Before the bad frame.');
    await ann.flushed();

    const raw = await openRawSocket(hub.url, `/yjs/${caseId}?token=${await hub.token(people.mallory)}`);
    const closed = socketClosed(raw);
    raw.send(bytes);
    expect((await closed).code).toBe(1007);

    // An acknowledged edit after the bad frame: anything the bad frame caused would reach ann before it.
    ann.notes.insert(ann.notes.length, ' After.');
    await ann.flushed();
    expect(ann.notes.toString()).toBe('Before the bad frame. After.');
    expect((await storedDocument(hub.dataDir, caseId)).getText('notes').toString()).toBe('Before the bad frame. After.');

    const provider = await syncedProvider(hub, caseId);
    expect(provider.doc.getText('notes').toString()).toBe('Before the bad frame. After.');
    expect(ann.status).toBe('synced');
  });
});
