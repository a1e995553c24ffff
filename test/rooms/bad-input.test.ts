/**
 * A client that sends garbage gets an error acknowledgement with a stable code, and nothing else
 * happens: nobody else in the case sees a change, the stored document stays as it was, and the
 * hub (and the offending socket) keep working.
 */
import type { CaseSession } from '@caseroom/client';
import { encodeAwarenessUpdate, encodeSyncStep1, encodeUpdate } from '@caseroom/shared';
import * as encoding from 'lib0/encoding';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { connectClient } from '../helpers/clients.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';
import * as people from '../helpers/people.js';
import { connected, rawSocket, RawParticipant } from '../helpers/sockets.js';
import { waitFor, waitForDoc } from '../helpers/wait.js';

const maxMessageBytes = 4096;
const earlierNotes = 'Customer charged twice.';
const marker = ' [still here]';

let hub: TestHub;

beforeAll(async () => {
  hub = await startTestHub({ CASEROOM_MAX_MESSAGE_BYTES: String(maxMessageBytes) });
});
afterAll(() => hub.stop());

interface Scene {
  caseId: string;
  /** Bob, a well-behaved SDK client watching the case live */
  bob: CaseSession;
  /** Mallory, on a raw socket, not yet in the case */
  mallory: RawParticipant;
}

/** A case Ann already wrote in, Bob watching it, and Mallory (a billing agent) connected. */
async function scene(malloryTeam = 'billing'): Promise<Scene> {
  const caseId = await hub.createCase();
  const ann = connectClient(hub.url, await hub.token(people.ann)).openCase(caseId);
  await ann.synced;
  ann.notes.insert(0, earlierNotes);
  ann.facts.record('order number', 'A-1001');
  await ann.flushed();
  const bob = connectClient(hub.url, await hub.token(people.bob)).openCase(caseId);
  await bob.synced;
  const socket = await connected(rawSocket(hub.url, await hub.token({ ...people.mallory, team: malloryTeam })));
  return { caseId, bob, mallory: new RawParticipant(socket, caseId) };
}

/** Sends the marker as Mallory: a well-formed edit that must still be accepted. */
async function markFromMallory({ mallory }: Scene): Promise<void> {
  if (!mallory.joined) await mallory.join();
  const ack = await mallory.edit((doc) => doc.getText('notes').insert(doc.getText('notes').length, marker));
  expect(ack).toEqual({ ok: true });
}

/** The case document as the store holds it, read through the hub's own store. */
async function storedNotes(caseId: string): Promise<{ notes: string; facts: unknown }> {
  const stored = await hub.store.documents.load(caseId);
  const doc = new Y.Doc();
  if (stored.snapshot) Y.applyUpdate(doc, stored.snapshot);
  for (const update of stored.updates) Y.applyUpdate(doc, update);
  return { notes: doc.getText('notes').toString(), facts: doc.getMap('facts').toJSON() };
}

/**
 * After the bad input, a marker edit follows. The room relays updates in the order it applied
 * them, so if the bad input had changed anything Bob would see it before the marker: once the
 * marker arrives, Bob's document must be exactly the earlier one plus the marker. A newcomer and
 * the store must agree.
 */
async function expectOnlyTheMarkerChanged(s: Scene, sendMarker: () => Promise<void> = () => markFromMallory(s)): Promise<void> {
  await sendMarker();
  await waitForDoc(s.bob.doc, 'the marker to reach bob', () => s.bob.notes.toString().includes(marker));
  const expected = { notes: earlierNotes + marker, facts: { 'order number': expect.objectContaining({ answer: 'A-1001', by: 'ann' }) } };
  expect({ notes: s.bob.notes.toString(), facts: s.bob.facts.toJSON() }).toEqual(expected);
  expect(s.bob.steps.list()).toEqual([]);

  const amy = connectClient(hub.url, await hub.token(people.amy)).openCase(s.caseId);
  await amy.synced;
  expect({ notes: amy.notes.toString(), facts: amy.facts.toJSON() }).toEqual(expected);
  expect(await storedNotes(s.caseId)).toEqual(expected);
}

/**
 * An update that Yjs decodes cleanly but throws on halfway through integrating: a string for
 * `notes`, then a map entry whose parent is an item of the same client that does not exist.
 */
function updateThatBreaksHalfway(): Uint8Array {
  const e = encoding.createEncoder();
  const client = 424242;
  encoding.writeVarUint(e, 1); // one client
  encoding.writeVarUint(e, 2); // with two structs
  encoding.writeVarUint(e, client);
  encoding.writeVarUint(e, 0); // starting at clock 0
  encoding.writeUint8(e, 4); // 1: ContentString, no origins, parent named by key
  encoding.writeVarUint(e, 1);
  encoding.writeVarString(e, 'notes');
  encoding.writeVarString(e, 'INJECTED ');
  encoding.writeUint8(e, 8 | 0x20); // 2: ContentAny with a parentSub, parent given by id
  encoding.writeVarUint(e, 0);
  encoding.writeVarUint(e, client);
  encoding.writeVarUint(e, 99);
  encoding.writeVarString(e, 'done');
  encoding.writeVarUint(e, 1);
  encoding.writeAny(e, true);
  encoding.writeVarUint(e, 0); // empty delete set
  return encoding.toUint8Array(e);
}

/** A well-formed update that inserts `text` into the notes of an empty replica. */
function insertUpdate(text: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getText('notes').insert(0, text);
  return Y.encodeStateAsUpdate(doc);
}

const send = (socket: Socket, event: string, ...args: unknown[]): Promise<any> => socket.emitWithAck(event, ...args);

describe('bad document messages on a joined case', () => {
  it.each([
    ['a sync message that does not decode', new Uint8Array([2, 200, 1])],
    ['a sync message of an unknown type', new Uint8Array([9, 1, 0])],
    ['a sync message with trailing bytes', new Uint8Array([...encodeUpdate(insertUpdate('TRAILING')), 7])],
    ['an update whose Yjs bytes are garbage', encodeUpdate(new Uint8Array([1, 2, 3, 4, 5]))],
    ['an update that decodes but breaks Yjs halfway through applying it', encodeUpdate(updateThatBreaksHalfway())],
  ])('answers malformed_message to %s and changes nothing', async (_what, message) => {
    const s = await scene();
    await s.mallory.join();
    expect(await send(s.mallory.socket, 'doc:sync', s.caseId, message)).toMatchObject({ ok: false, error: { code: 'malformed_message' } });
    await expectOnlyTheMarkerChanged(s);
  });

  it('answers payload_too_large to an edit over CASEROOM_MAX_MESSAGE_BYTES, however valid', async () => {
    const s = await scene();
    await s.mallory.join();
    const big = encodeUpdate(insertUpdate('x'.repeat(maxMessageBytes + 500)));
    expect(big.byteLength).toBeLessThan(2 * maxMessageBytes);
    expect(await send(s.mallory.socket, 'doc:sync', s.caseId, big)).toMatchObject({ ok: false, error: { code: 'payload_too_large' } });
    const bigAwareness = encodeAwarenessUpdate([{ clientId: 1, clock: 1, state: { note: 'y'.repeat(maxMessageBytes) } }]);
    expect(await send(s.mallory.socket, 'doc:awareness', s.caseId, bigAwareness)).toMatchObject({
      ok: false,
      error: { code: 'payload_too_large' },
    });
    await expectOnlyTheMarkerChanged(s);
  });

  it('drops a socket that sends far more than the limit, and keeps serving everyone else', async () => {
    const s = await scene();
    await s.mallory.join();
    const disconnected = new Promise<string>((resolve) => s.mallory.socket.once('disconnect', resolve));
    s.mallory.socket.emit('doc:sync', s.caseId, encodeUpdate(insertUpdate('z'.repeat(maxMessageBytes * 4))), () => undefined);
    await disconnected;
    await expectOnlyTheMarkerChanged(s, async () => {
      const again = new RawParticipant(await connected(rawSocket(hub.url, await hub.token(people.mallory))), s.caseId);
      await again.join();
      expect(await again.edit((doc) => doc.getText('notes').insert(doc.getText('notes').length, marker))).toEqual({ ok: true });
    });
  });

  it('answers invalid_payload to a string where binary belongs', async () => {
    const s = await scene();
    await s.mallory.join();
    for (const event of ['doc:sync', 'doc:awareness']) {
      expect(await send(s.mallory.socket, event, s.caseId, 'INJECTED text')).toMatchObject({
        ok: false,
        error: { code: 'invalid_payload', field: 'message' },
      });
    }
    expect(await send(s.mallory.socket, 'doc:sync', { caseId: s.caseId }, encodeUpdate(insertUpdate('INJECTED')))).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload' },
    });
    await expectOnlyTheMarkerChanged(s);
  });

  it('answers malformed_message to awareness that does not decode, and others see no cursor from it', async () => {
    const s = await scene();
    await s.mallory.join();
    const statesBefore = [...s.bob.awareness.getStates().keys()];
    const notJson = new Uint8Array([1, 77, 1, 3, ...new TextEncoder().encode('{"x')]);
    for (const update of [new Uint8Array([1, 77]), notJson, new Uint8Array([...encodeAwarenessUpdate([]), 5])]) {
      expect(await send(s.mallory.socket, 'doc:awareness', s.caseId, update)).toMatchObject({
        ok: false,
        error: { code: 'malformed_message' },
      });
    }
    const good = encodeAwarenessUpdate([{ clientId: 88, clock: 1, state: { cursor: 3 } }]);
    expect(await send(s.mallory.socket, 'doc:awareness', s.caseId, good)).toEqual({ ok: true });
    await waitFor(
      'bob to see the good cursor',
      (check) => {
        s.bob.awareness.on('change', check);
        return () => s.bob.awareness.off('change', check);
      },
      () => s.bob.awareness.getStates().has(88),
    );
    expect(new Set(s.bob.awareness.getStates().keys())).toEqual(new Set([...statesBefore, 88]));
    await expectOnlyTheMarkerChanged(s);
  });
});

describe('a join that carries a bad state vector', () => {
  it.each([
    ['that does not decode', new Uint8Array([3, 1])],
    ['with trailing bytes', new Uint8Array([0, 7])],
  ])('answers malformed_message to a state vector %s, and the socket stays out of the case', async (_what, stateVector) => {
    const s = await scene();
    expect(await send(s.mallory.socket, 'case:join', { caseId: s.caseId, stateVector })).toMatchObject({
      ok: false,
      error: { code: 'malformed_message' },
    });
    expect(await send(s.mallory.socket, 'doc:sync', s.caseId, encodeUpdate(insertUpdate('INJECTED ')))).toMatchObject({
      ok: false,
      error: { code: 'not_joined' },
    });
    await expectOnlyTheMarkerChanged(s);
  });

  it('answers invalid_payload to a state vector that is not binary', async () => {
    const s = await scene();
    expect(await send(s.mallory.socket, 'case:join', { caseId: s.caseId, stateVector: 'AAA=' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload' },
    });
    await expectOnlyTheMarkerChanged(s);
  });
});

describe('messages for cases the socket may not or did not join', () => {
  it('answers not_joined to sync and awareness for a case the socket has not joined', async () => {
    const s = await scene();
    expect(await send(s.mallory.socket, 'doc:sync', s.caseId, encodeUpdate(insertUpdate('INJECTED ')))).toMatchObject({
      ok: false,
      error: { code: 'not_joined' },
    });
    expect(await send(s.mallory.socket, 'doc:sync', s.caseId, encodeSyncStep1(new Uint8Array([0])))).toMatchObject({
      ok: false,
      error: { code: 'not_joined' },
    });
    const cursor = encodeAwarenessUpdate([{ clientId: 99, clock: 1, state: { cursor: 1 } }]);
    expect(await send(s.mallory.socket, 'doc:awareness', s.caseId, cursor)).toMatchObject({ ok: false, error: { code: 'not_joined' } });
    await expectOnlyTheMarkerChanged(s);
    expect(s.bob.awareness.getStates().has(99)).toBe(false);
  });

  it('answers unknown_case to joining a case nobody created', async () => {
    const s = await scene();
    expect(await send(s.mallory.socket, 'case:join', { caseId: 'no-such-case-anywhere' })).toMatchObject({
      ok: false,
      error: { code: 'unknown_case' },
    });
    expect(await send(s.mallory.socket, 'doc:sync', 'no-such-case-anywhere', encodeUpdate(insertUpdate('x')))).toMatchObject({
      ok: false,
      error: { code: 'not_joined' },
    });
    await expectOnlyTheMarkerChanged(s);
  });

  it('answers forbidden to joining another team’s case, and the socket stays out of it', async () => {
    const s = await scene('shipping');
    expect(await send(s.mallory.socket, 'case:join', { caseId: s.caseId })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await send(s.mallory.socket, 'doc:sync', s.caseId, encodeUpdate(insertUpdate('INJECTED ')))).toMatchObject({
      ok: false,
      error: { code: 'not_joined' },
    });

    // Mallory's socket still serves her own team's cases.
    const own = await hub.createCase({ team: 'shipping' });
    expect(await send(s.mallory.socket, 'case:join', { caseId: own })).toMatchObject({ ok: true, case: { id: own } });
    // The marker comes from someone allowed in.
    await expectOnlyTheMarkerChanged(s, async () => {
      const ann = connectClient(hub.url, await hub.token(people.ann)).openCase(s.caseId);
      await ann.synced;
      ann.notes.insert(ann.notes.length, marker);
      await ann.flushed();
    });
  });

  it.each([
    ['a string', 'just-a-string', undefined],
    ['a number', 42, undefined],
    ['null', null, undefined],
    ['an array', [{ caseId: 'x' }], undefined],
    ['an object without caseId', {}, 'caseId'],
    ['a case id that breaks the pattern', { caseId: '../../etc/passwd' }, 'caseId'],
    ['a case id that is not a string', { caseId: 7 }, 'caseId'],
    ['an unknown extra field', { caseId: 'x', admin: true }, 'admin'],
  ])('answers invalid_payload to a join with %s', async (_what, request, field) => {
    const s = await scene();
    const ack = await send(s.mallory.socket, 'case:join', request);
    expect(ack).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
    if (field) expect(ack.error.field).toBe(field);
    await expectOnlyTheMarkerChanged(s);
  });
});

describe('messages without an acknowledgement callback', () => {
  it('handles them without crashing the hub, applying only the good one', async () => {
    const s = await scene();
    await s.mallory.join();
    const { socket } = s.mallory;
    socket.emit('doc:sync');
    socket.emit('doc:sync', s.caseId);
    socket.emit('doc:sync', s.caseId, new Uint8Array([2, 200, 1]));
    socket.emit('doc:sync', s.caseId, encodeUpdate(updateThatBreaksHalfway()));
    socket.emit('doc:sync', 'not-joined-case', encodeUpdate(insertUpdate('INJECTED ')));
    socket.emit('doc:awareness', s.caseId, 'not binary');
    socket.emit('case:join', { caseId: 'no-such-case-anywhere' });
    // The marker itself also goes without a callback; the step 1 after it is acknowledged in order.
    const before = Y.encodeStateVector(s.mallory.doc);
    s.mallory.doc.getText('notes').insert(s.mallory.doc.getText('notes').length, marker);
    socket.emit('doc:sync', s.caseId, encodeUpdate(Y.encodeStateAsUpdate(s.mallory.doc, before)));
    await expectOnlyTheMarkerChanged(s, async () => {
      expect(await send(socket, 'doc:sync', s.caseId, encodeSyncStep1(Y.encodeStateVector(s.mallory.doc)))).toMatchObject({ ok: true });
    });
  });
});

describe('requests with missing or extra arguments', () => {
  it('still answers them, with invalid_payload', async () => {
    const s = await scene();
    await s.mallory.join();
    const { socket } = s.mallory;
    expect(await send(socket, 'case:join')).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
    expect(await send(socket, 'doc:sync', s.caseId)).toMatchObject({ ok: false, error: { code: 'invalid_payload', field: 'message' } });
    expect(await send(socket, 'owner:claim')).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
    expect(await send(socket, 'case:join', { caseId: s.caseId }, 'extra', 42)).toMatchObject({ ok: true });
    await expectOnlyTheMarkerChanged(s);
  });
});
