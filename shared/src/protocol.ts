/**
 * Codecs for the binary document traffic. Socket.IO carries y-protocols sync messages and
 * awareness updates as `Uint8Array` payloads of the `doc:sync` / `doc:awareness` events; the
 * y-websocket endpoint wraps the same bytes in y-websocket's one-byte frame type. Everything here
 * is pure: bytes in, values out, `CaseroomError('malformed_message')` on anything undecodable.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { CaseroomError } from './errors.js';
import type { DecodedUpdate } from './plainEdit.js';

/** y-websocket frame types (the first varuint of every y-websocket message). */
export const frameSync = 0;
export const frameAwareness = 1;
export const frameAuth = 2;
export const frameQueryAwareness = 3;

export const syncStep1 = syncProtocol.messageYjsSyncStep1;
export const syncStep2 = syncProtocol.messageYjsSyncStep2;
export const syncUpdate = syncProtocol.messageYjsUpdate;

export type SyncMessage =
  { type: 'step1'; stateVector: Uint8Array } | { type: 'step2'; update: Uint8Array } | { type: 'update'; update: Uint8Array };

export interface AwarenessEntry {
  clientId: number;
  clock: number;
  /** `null` means the client left. */
  state: Record<string, unknown> | null;
}

export type Frame =
  { kind: 'sync'; message: SyncMessage } | { kind: 'awareness'; update: Uint8Array } | { kind: 'queryAwareness' } | { kind: 'auth' };

function malformed(what: string): CaseroomError {
  return new CaseroomError('malformed_message', `The ${what} could not be decoded`);
}

function readSyncBody(decoder: decoding.Decoder, checkUpdate: boolean): SyncMessage {
  const type = decoding.readVarUint(decoder);
  const body = decoding.readVarUint8Array(decoder);
  switch (type) {
    case syncStep1:
      assertValidStateVector(body);
      return { type: 'step1', stateVector: body };
    case syncStep2:
      if (checkUpdate) assertValidUpdate(body);
      return { type: 'step2', update: body };
    case syncUpdate:
      if (checkUpdate) assertValidUpdate(body);
      return { type: 'update', update: body };
    default:
      throw malformed('sync message type');
  }
}

/** How far a sync message is checked when it is read. */
export interface SyncReading {
  /**
   * false: an update inside is not decoded here, because whoever applies it decodes it anyway (the
   * hub's rooms, whose gate refuses a broken one) or because its sender checked it (a client
   * reading its hub). A state vector is always checked: it is small, and it is read at once.
   */
  checkUpdate?: boolean;
}

/** Decodes one y-protocols sync message, checking that an update inside it parses completely (see SyncReading). */
export function decodeSyncMessage(bytes: Uint8Array, { checkUpdate = true }: SyncReading = {}): SyncMessage {
  try {
    const decoder = decoding.createDecoder(bytes);
    const message = readSyncBody(decoder, checkUpdate);
    if (decoding.hasContent(decoder)) throw malformed('sync message (trailing bytes)');
    return message;
  } catch (err) {
    throw err instanceof CaseroomError ? err : malformed('sync message');
  }
}

/**
 * Throws unless `update` is a complete Yjs update. Yjs would otherwise throw halfway through
 * integrating a broken update and leave the document partly changed.
 */
export function assertValidUpdate(update: Uint8Array): void {
  decodeValidUpdate(update);
}

/** `update` decoded, or `malformed_message` unless it is a complete Yjs update (see assertValidUpdate). */
export function decodeValidUpdate(update: Uint8Array): DecodedUpdate {
  try {
    return Y.decodeUpdate(update) as DecodedUpdate;
  } catch {
    throw malformed('document update');
  }
}

/** Throws unless `stateVector` is a complete Yjs state vector (y-protocols sync step 1 content). */
export function assertValidStateVector(stateVector: Uint8Array): void {
  try {
    const decoder = decoding.createDecoder(stateVector);
    const clients = decoding.readVarUint(decoder);
    for (let i = 0; i < clients; i++) {
      decoding.readVarUint(decoder);
      decoding.readVarUint(decoder);
    }
    if (decoding.hasContent(decoder)) throw new Error('trailing bytes');
  } catch {
    throw malformed('state vector');
  }
}

function encodeSync(type: number, body: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, type);
  encoding.writeVarUint8Array(encoder, body);
  return encoding.toUint8Array(encoder);
}

export const encodeSyncStep1 = (stateVector: Uint8Array): Uint8Array => encodeSync(syncStep1, stateVector);
export const encodeSyncStep2 = (update: Uint8Array): Uint8Array => encodeSync(syncStep2, update);
export const encodeUpdate = (update: Uint8Array): Uint8Array => encodeSync(syncUpdate, update);

export function encodeSyncMessage(message: SyncMessage): Uint8Array {
  return message.type === 'step1'
    ? encodeSyncStep1(message.stateVector)
    : encodeSync(message.type === 'step2' ? syncStep2 : syncUpdate, message.update);
}

/** Decodes a y-awareness update into its entries. */
export function decodeAwarenessUpdate(bytes: Uint8Array): AwarenessEntry[] {
  try {
    const decoder = decoding.createDecoder(bytes);
    const count = decoding.readVarUint(decoder);
    const entries: AwarenessEntry[] = [];
    for (let i = 0; i < count; i++) {
      const clientId = decoding.readVarUint(decoder);
      const clock = decoding.readVarUint(decoder);
      const state: unknown = JSON.parse(decoding.readVarString(decoder));
      if (state !== null && (typeof state !== 'object' || Array.isArray(state))) throw malformed('awareness state');
      entries.push({ clientId, clock, state: state as Record<string, unknown> | null });
    }
    if (decoding.hasContent(decoder)) throw malformed('awareness update (trailing bytes)');
    return entries;
  } catch (err) {
    throw err instanceof CaseroomError ? err : malformed('awareness update');
  }
}

export function encodeAwarenessUpdate(entries: readonly AwarenessEntry[]): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, entries.length);
  for (const entry of entries) {
    encoding.writeVarUint(encoder, entry.clientId);
    encoding.writeVarUint(encoder, entry.clock);
    encoding.writeVarString(encoder, JSON.stringify(entry.state));
  }
  return encoding.toUint8Array(encoder);
}

/** Decodes one y-websocket frame. */
export function decodeFrame(bytes: Uint8Array, { checkUpdate = true }: SyncReading = {}): Frame {
  try {
    const decoder = decoding.createDecoder(bytes);
    const kind = decoding.readVarUint(decoder);
    switch (kind) {
      case frameSync: {
        const message = readSyncBody(decoder, checkUpdate);
        if (decoding.hasContent(decoder)) throw malformed('sync frame (trailing bytes)');
        return { kind: 'sync', message };
      }
      case frameAwareness: {
        const update = decoding.readVarUint8Array(decoder);
        if (decoding.hasContent(decoder)) throw malformed('awareness frame (trailing bytes)');
        return { kind: 'awareness', update };
      }
      case frameQueryAwareness:
        return { kind: 'queryAwareness' };
      case frameAuth:
        return { kind: 'auth' };
      default:
        throw malformed('frame type');
    }
  } catch (err) {
    throw err instanceof CaseroomError ? err : malformed('frame');
  }
}

/** Wraps a sync message (already encoded) in a y-websocket sync frame. */
export function encodeSyncFrame(syncMessage: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, frameSync);
  encoding.writeUint8Array(encoder, syncMessage);
  return encoding.toUint8Array(encoder);
}

export function encodeAwarenessFrame(awarenessUpdate: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, frameAwareness);
  encoding.writeVarUint8Array(encoder, awarenessUpdate);
  return encoding.toUint8Array(encoder);
}
