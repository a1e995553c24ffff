import {
  CaseroomError,
  decodeAwarenessUpdate,
  decodeFrame,
  decodeSyncMessage,
  encodeAwarenessFrame,
  encodeAwarenessUpdate,
  encodeSyncFrame,
  encodeSyncMessage,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeUpdate,
  frameAuth,
  frameQueryAwareness,
  type AwarenessEntry,
  type SyncMessage,
} from '@caseroom/shared';
import * as awarenessProtocol from 'y-protocols/awareness';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';

/** A document with some content, and an update that holds all of it. */
function docWithNotes(text: string): { doc: Y.Doc; update: Uint8Array } {
  const doc = new Y.Doc();
  doc.getText('notes').insert(0, text);
  return { doc, update: Y.encodeStateAsUpdate(doc) };
}

/** Runs `decode` and returns the CaseroomError code it threw (fails if it threw nothing or something else). */
function codeOf(decode: () => unknown): string {
  try {
    decode();
  } catch (err) {
    expect(err).toBeInstanceOf(CaseroomError);
    return (err as CaseroomError).code;
  }
  throw new Error('expected the decoder to refuse the bytes');
}

const withTrailing = (bytes: Uint8Array): Uint8Array => new Uint8Array([...bytes, 0]);
/** The first `length` bytes, as a view on the larger buffer, the way network buffers often arrive. */
const truncatedView = (bytes: Uint8Array, length: number): Uint8Array => bytes.subarray(0, length);

describe('sync messages', () => {
  const { doc, update } = docWithNotes('Customer charged twice');
  const messages: SyncMessage[] = [
    { type: 'step1', stateVector: Y.encodeStateVector(doc) },
    { type: 'step2', update },
    { type: 'update', update },
  ];

  it.each(messages)('round-trips a $type message', (message) => {
    const bytes = encodeSyncMessage(message);
    expect(decodeSyncMessage(bytes)).toEqual(message);
  });

  it('encodes step 1, step 2 and updates with their own helpers identically', () => {
    expect(encodeSyncStep1(Y.encodeStateVector(doc))).toEqual(encodeSyncMessage(messages[0]!));
    expect(encodeSyncStep2(update)).toEqual(encodeSyncMessage(messages[1]!));
    expect(encodeUpdate(update)).toEqual(encodeSyncMessage(messages[2]!));
  });

  it.each(messages)('refuses a $type message with trailing bytes', (message) => {
    expect(codeOf(() => decodeSyncMessage(withTrailing(encodeSyncMessage(message))))).toBe('malformed_message');
  });

  it.each(messages)('refuses every truncation of a $type message', (message) => {
    const bytes = encodeSyncMessage(message);
    for (let length = 0; length < bytes.length; length++) {
      expect(
        codeOf(() => decodeSyncMessage(truncatedView(bytes, length))),
        `first ${length} bytes`,
      ).toBe('malformed_message');
    }
  });

  it('refuses an unknown message type, an empty message and an undecodable update', () => {
    expect(codeOf(() => decodeSyncMessage(new Uint8Array([7, 0])))).toBe('malformed_message');
    expect(codeOf(() => decodeSyncMessage(new Uint8Array([])))).toBe('malformed_message');
    expect(codeOf(() => decodeSyncMessage(encodeUpdate(new Uint8Array([1, 2, 3, 4, 5]))))).toBe('malformed_message');
    expect(codeOf(() => decodeSyncMessage(encodeSyncStep2(new Uint8Array([255, 255, 255]))))).toBe('malformed_message');
  });

  it('brings two documents in sync through the codec alone', () => {
    const ann = new Y.Doc();
    const bob = new Y.Doc();
    ann.getText('notes').insert(0, 'Refund approved. ');
    ann.getMap('facts').set('order number', { answer: 'A-1001', by: 'ann', at: '2026-01-01T00:00:00.000Z' });
    bob.getText('notes').insert(0, 'Card ends 4242. ');
    bob.getArray('steps').push(['check the provider log']);

    /** `from` answers `to`'s step 1 with a step 2; `to` applies it. Only bytes cross. */
    const handshake = (from: Y.Doc, to: Y.Doc): void => {
      const step1 = decodeSyncMessage(encodeSyncStep1(Y.encodeStateVector(to)));
      if (step1.type !== 'step1') throw new Error('expected step 1');
      const step2 = decodeSyncMessage(encodeSyncStep2(Y.encodeStateAsUpdate(from, step1.stateVector)));
      if (step2.type !== 'step2') throw new Error('expected step 2');
      Y.applyUpdate(to, step2.update);
    };
    handshake(ann, bob);
    handshake(bob, ann);
    expect(ann.getText('notes').toString()).toBe(bob.getText('notes').toString());

    // After the handshake, live updates travel as update messages.
    bob.on('update', (change: Uint8Array) => {
      const message = decodeSyncMessage(encodeUpdate(change));
      if (message.type === 'update') Y.applyUpdate(ann, message.update, 'wire');
    });
    bob.getText('notes').insert(0, 'Escalated. ');
    const snapshot = (doc: Y.Doc): unknown => ({
      notes: doc.getText('notes').toString(),
      steps: doc.getArray('steps').toJSON(),
      facts: doc.getMap('facts').toJSON(),
    });
    expect(snapshot(ann)).toEqual(snapshot(bob));
    expect(ann.getText('notes').toString()).toMatch(/^Escalated\. /);
    expect(ann.getText('notes').toString()).toContain('Refund approved.');
    expect(ann.getArray('steps').toArray()).toEqual(['check the provider log']);
    expect(bob.getMap('facts').get('order number')).toMatchObject({ answer: 'A-1001' });
  });
});

describe('awareness updates', () => {
  const entries: AwarenessEntry[] = [
    { clientId: 1, clock: 3, state: { user: { name: 'Ann' }, cursor: { index: 4 } } },
    { clientId: 2_000_000_000, clock: 0, state: null },
  ];

  it('round-trips entries, including a client that left', () => {
    expect(decodeAwarenessUpdate(encodeAwarenessUpdate(entries))).toEqual(entries);
    expect(decodeAwarenessUpdate(encodeAwarenessUpdate([]))).toEqual([]);
  });

  it('reads what y-protocols writes, and y-protocols reads what we write', () => {
    const doc = new Y.Doc();
    const theirs = new awarenessProtocol.Awareness(doc);
    theirs.setLocalState({ user: { name: 'Bob' }, typing: true });
    const decoded = decodeAwarenessUpdate(awarenessProtocol.encodeAwarenessUpdate(theirs, [doc.clientID]));
    expect(decoded).toEqual([{ clientId: doc.clientID, clock: expect.any(Number), state: { user: { name: 'Bob' }, typing: true } }]);

    const mirror = new awarenessProtocol.Awareness(new Y.Doc());
    awarenessProtocol.applyAwarenessUpdate(mirror, encodeAwarenessUpdate(decoded), 'wire');
    expect(mirror.getStates().get(doc.clientID)).toEqual({ user: { name: 'Bob' }, typing: true });
    theirs.destroy();
    mirror.destroy();
  });

  it('refuses trailing bytes and every truncation', () => {
    const bytes = encodeAwarenessUpdate(entries);
    expect(codeOf(() => decodeAwarenessUpdate(withTrailing(bytes)))).toBe('malformed_message');
    for (let length = 0; length < bytes.length; length++) {
      expect(
        codeOf(() => decodeAwarenessUpdate(truncatedView(bytes, length))),
        `first ${length} bytes`,
      ).toBe('malformed_message');
    }
  });

  it.each([
    ['state that is not JSON', '{"user":'],
    ['state that is a string', '"hello"'],
    ['state that is an array', '[1,2]'],
  ])('refuses %s', (_what, json) => {
    const bad = new Uint8Array([1, 5, 1, ...encodeString(json)]);
    expect(codeOf(() => decodeAwarenessUpdate(bad))).toBe('malformed_message');
  });
});

describe('y-websocket frames', () => {
  const { update } = docWithNotes('frame me');
  const awareness = encodeAwarenessUpdate([{ clientId: 9, clock: 1, state: { user: 'Ann' } }]);

  it('round-trips sync and awareness frames', () => {
    expect(decodeFrame(encodeSyncFrame(encodeUpdate(update)))).toEqual({ kind: 'sync', message: { type: 'update', update } });
    expect(decodeFrame(encodeSyncFrame(encodeSyncStep2(update)))).toEqual({ kind: 'sync', message: { type: 'step2', update } });
    expect(decodeFrame(encodeAwarenessFrame(awareness))).toEqual({ kind: 'awareness', update: awareness });
  });

  it('recognises query-awareness and auth frames', () => {
    expect(decodeFrame(new Uint8Array([frameQueryAwareness]))).toEqual({ kind: 'queryAwareness' });
    expect(decodeFrame(new Uint8Array([frameAuth, 0]))).toEqual({ kind: 'auth' });
  });

  it.each([
    ['sync', encodeSyncFrame(encodeUpdate(update))],
    ['awareness', encodeAwarenessFrame(awareness)],
  ])('refuses a %s frame with trailing bytes or cut short', (_kind, frame) => {
    expect(codeOf(() => decodeFrame(withTrailing(frame)))).toBe('malformed_message');
    for (let length = 0; length < frame.length; length++) {
      expect(
        codeOf(() => decodeFrame(truncatedView(frame, length))),
        `first ${length} bytes`,
      ).toBe('malformed_message');
    }
  });

  it('refuses an unknown frame type', () => {
    expect(codeOf(() => decodeFrame(new Uint8Array([42])))).toBe('malformed_message');
  });
});

/** A lib0 var-string: length as a var-uint (short strings: one byte), then UTF-8. */
function encodeString(text: string): Uint8Array {
  const utf8 = new TextEncoder().encode(text);
  return new Uint8Array([utf8.length, ...utf8]);
}
