import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import { decodeBusMessage, encodeBusMessage, type BusMessage } from '../../server/src/cluster/busMessages.js';

const messages: BusMessage[] = [
  { kind: 'doc', from: 'node-a', caseId: 'case-1', payload: new Uint8Array([1, 2, 3]) },
  { kind: 'awareness', from: 'node-a', caseId: 'case-1', payload: new Uint8Array([0]) },
  { kind: 'events', from: 'node-b' },
  { kind: 'roster', from: 'node-b', caseId: 'case-2' },
  { kind: 'revoked', from: 'node-c', userId: 'ann', at: 1_767_225_600_123 },
];

describe('cluster bus messages', () => {
  it.each(messages.map((message) => [message.kind, message] as const))('carry a %s message through encoding unchanged', (_, message) => {
    expect(decodeBusMessage(encodeBusMessage(message))).toEqual(message);
  });

  it('carry an empty document update, and a case id and person with any characters', () => {
    const doc: BusMessage = { kind: 'doc', from: 'nœud', caseId: 'cas/ü 1', payload: new Uint8Array() };
    const revoked: BusMessage = { kind: 'revoked', from: 'n', userId: 'ann@billing ✓', at: 0 };
    expect(decodeBusMessage(encodeBusMessage(doc))).toEqual(doc);
    expect(decodeBusMessage(encodeBusMessage(revoked))).toEqual(revoked);
  });

  it('decode what is not a frame as null: empty, an unknown kind, cut short', () => {
    const unknownKind = encoding.createEncoder();
    encoding.writeVarUint(unknownKind, 99);
    encoding.writeVarString(unknownKind, 'node-a');
    const whole = encodeBusMessage(messages[0]!);
    expect(decodeBusMessage(new Uint8Array())).toBeNull();
    expect(decodeBusMessage(encoding.toUint8Array(unknownKind))).toBeNull();
    expect(decodeBusMessage(whole.subarray(0, whole.length - 2))).toBeNull();
    expect(decodeBusMessage(encodeBusMessage(messages[4]!).subarray(0, 12))).toBeNull();
  });
});
