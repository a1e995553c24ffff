/**
 * What hub nodes tell each other over the cluster bus, as compact binary frames (no JSON for
 * document traffic): the kind and the sending node, then what that kind carries. A kind may gain
 * an optional field at its end: a node that does not know the field stops reading before it and
 * still understands the frame, so nodes of two versions can share a bus during a rolling upgrade.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

/** A message as a node publishes it; the bus adds the sender. */
export type BusMessageBody =
  /** a document update applied on the sending node */
  | { kind: 'doc'; caseId: string; payload: Uint8Array }
  /** an awareness update from one of the sending node's connections */
  | { kind: 'awareness'; caseId: string; payload: Uint8Array }
  /**
   * new case events are stored: wake the event log's readers; those of `teams` only when it is
   * given (a node that predates it sends none, and every reader wakes)
   */
  | { kind: 'events'; teams?: readonly string[] }
  /** the sending node's part of a case's roster changed: read the roster again */
  | { kind: 'roster'; caseId: string }
  /** a person's tokens issued up to `at` (ms) are refused */
  | { kind: 'revoked'; userId: string; at: number };

/** the node that sent it; a node ignores its own messages */
export type BusMessage = BusMessageBody & { from: string };

type BusKind = BusMessageBody['kind'];

/** A kind's number on the wire is its place here: append new kinds, never reorder. */
const busKinds: readonly BusKind[] = ['doc', 'awareness', 'events', 'roster', 'revoked'];

export function encodeBusMessage(message: BusMessage): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, busKinds.indexOf(message.kind));
  encoding.writeVarString(encoder, message.from);
  switch (message.kind) {
    case 'doc':
    case 'awareness':
      encoding.writeVarString(encoder, message.caseId);
      encoding.writeVarUint8Array(encoder, message.payload);
      break;
    case 'events':
      // Appended after the frame older nodes know, which they read as "wake everyone".
      if (message.teams !== undefined) {
        encoding.writeVarUint(encoder, message.teams.length);
        for (const team of message.teams) encoding.writeVarString(encoder, team);
      }
      break;
    case 'roster':
      encoding.writeVarString(encoder, message.caseId);
      break;
    case 'revoked':
      encoding.writeVarString(encoder, message.userId);
      encoding.writeFloat64(encoder, message.at);
      break;
  }
  return encoding.toUint8Array(encoder);
}

/** Decodes a frame; null for anything that is not one (another deployment on the same channel, say). */
export function decodeBusMessage(bytes: Uint8Array): BusMessage | null {
  try {
    const decoder = decoding.createDecoder(bytes);
    const kind = busKinds[decoding.readVarUint(decoder)];
    if (!kind) return null;
    const from = decoding.readVarString(decoder);
    switch (kind) {
      case 'doc':
      case 'awareness':
        return { kind, from, caseId: decoding.readVarString(decoder), payload: decoding.readVarUint8Array(decoder) };
      case 'events':
        return decoding.hasContent(decoder) ? { kind, from, teams: readTeams(decoder) } : { kind, from };
      case 'roster':
        return { kind, from, caseId: decoding.readVarString(decoder) };
      case 'revoked':
        return { kind, from, userId: decoding.readVarString(decoder), at: decoding.readFloat64(decoder) };
    }
  } catch {
    return null;
  }
}

function readTeams(decoder: decoding.Decoder): string[] {
  const count = decoding.readVarUint(decoder);
  const teams: string[] = [];
  for (let i = 0; i < count; i++) teams.push(decoding.readVarString(decoder));
  return teams;
}
