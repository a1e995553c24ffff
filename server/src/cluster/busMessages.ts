/**
 * What hub nodes tell each other over the cluster bus, as compact binary frames (no JSON for
 * document traffic): the kind, the sending node, the case, and a payload.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

export const busKinds = ['doc', 'awareness', 'events', 'roster', 'revoked'] as const;
export type BusKind = (typeof busKinds)[number];

export interface BusMessage {
  kind: BusKind;
  /** the node that sent it; a node ignores its own messages */
  from: string;
  /** empty for cluster-wide messages (`events`, `revoked`) */
  caseId: string;
  payload: Uint8Array;
}

export function encodeBusMessage(message: BusMessage): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, busKinds.indexOf(message.kind));
  encoding.writeVarString(encoder, message.from);
  encoding.writeVarString(encoder, message.caseId);
  encoding.writeVarUint8Array(encoder, message.payload);
  return encoding.toUint8Array(encoder);
}

/** Decodes a frame; null for anything that is not one (another deployment on the same channel, say). */
export function decodeBusMessage(bytes: Uint8Array): BusMessage | null {
  try {
    const decoder = decoding.createDecoder(bytes);
    const kind = busKinds[decoding.readVarUint(decoder)];
    if (!kind) return null;
    return {
      kind,
      from: decoding.readVarString(decoder),
      caseId: decoding.readVarString(decoder),
      payload: decoding.readVarUint8Array(decoder),
    };
  } catch {
    return null;
  }
}
