import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import { decodeBusMessage, encodeBusMessage, type BusMessage } from '../../server/src/cluster/busMessages.js';

const messages: BusMessage[] = [
  { kind: 'doc', from: 'node-a', caseId: 'case-1', payload: new Uint8Array([1, 2, 3]) },
  { kind: 'awareness', from: 'node-a', caseId: 'case-1', payload: new Uint8Array([0]) },
  { kind: 'events', from: 'node-b' },
  { kind: 'events', from: 'node-b', teams: ['billing', 'shipping'] },
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

  it('read an events frame without teams, as an older node sends it, as a wake for every team', () => {
    const older = encoding.createEncoder();
    encoding.writeVarUint(older, 2); // 'events', the third kind
    encoding.writeVarString(older, 'node-old');
    expect(decodeBusMessage(encoding.toUint8Array(older))).toEqual({ kind: 'events', from: 'node-old' });
    expect(decodeBusMessage(encoding.toUint8Array(older))).not.toHaveProperty('teams');
  });

  it('write the teams of an events frame after what an older node reads, so it still wakes on it', () => {
    const withTeams = encodeBusMessage({ kind: 'events', from: 'node-b', teams: ['billing'] });
    const decoder = decoding.createDecoder(withTeams);
    // What an older node reads of it: the kind and the sender, and it stops there.
    expect(decoding.readVarUint(decoder)).toBe(2);
    expect(decoding.readVarString(decoder)).toBe('node-b');
    expect(withTeams.length).toBeGreaterThan(encodeBusMessage({ kind: 'events', from: 'node-b' }).length);
  });

  it('keep an empty list of teams apart from none, and carry teams with any characters', () => {
    const none: BusMessage = { kind: 'events', from: 'n', teams: [] };
    const odd: BusMessage = { kind: 'events', from: 'n', teams: ['équipe 1', 'billing/eu ✓', ''] };
    expect(decodeBusMessage(encodeBusMessage(none))).toEqual(none);
    expect(decodeBusMessage(encodeBusMessage(odd))).toEqual(odd);
  });

  it('decode what is not a frame as null: empty, an unknown kind, cut short', () => {
    const unknownKind = encoding.createEncoder();
    encoding.writeVarUint(unknownKind, 99);
    encoding.writeVarString(unknownKind, 'node-a');
    const whole = encodeBusMessage(messages[0]!);
    expect(decodeBusMessage(new Uint8Array())).toBeNull();
    expect(decodeBusMessage(encoding.toUint8Array(unknownKind))).toBeNull();
    expect(decodeBusMessage(whole.subarray(0, whole.length - 2))).toBeNull();
    const teams = encodeBusMessage({ kind: 'events', from: 'node-b', teams: ['billing', 'shipping'] });
    expect(decodeBusMessage(teams.subarray(0, teams.length - 3))).toBeNull();
    expect(decodeBusMessage(encodeBusMessage(messages.find((m) => m.kind === 'revoked')!).subarray(0, 12))).toBeNull();
  });
});
