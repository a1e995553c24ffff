/**
 * Where a change to a case room's Y.Doc came from, carried as the Yjs transaction origin. The room
 * decides by it what an update still needs: one replayed from the store needs nothing, one from
 * another hub node only this node's connections, one from a connection everything (storing,
 * relaying, the other nodes). Readers of the document (case events) ask `connectionOf` who made a
 * change; nothing else looks inside a transaction origin.
 */
import type { RoomConnection } from './RoomConnection.js';

export type Origin = StoreOrigin | PeerOrigin | ConnectionOrigin;

/** replayed from the store (loading): stored already, and nobody to tell */
interface StoreOrigin {
  readonly kind: 'store';
}

/** another hub node's update, or the store read again to catch up: stored already; this node's connections need it */
interface PeerOrigin {
  readonly kind: 'peer';
}

/** an edit a connection sent, admitted by the room's gate */
class ConnectionOrigin {
  readonly kind = 'connection';
  constructor(readonly connection: RoomConnection) {}
}

export const fromStore: Origin = Object.freeze({ kind: 'store' });
export const fromPeer: Origin = Object.freeze({ kind: 'peer' });

export function fromConnection(connection: RoomConnection): Origin {
  return new ConnectionOrigin(connection);
}

/** A transaction origin as the room set it; null for one it did not set. */
export function originOf(transactionOrigin: unknown): Origin | null {
  if (transactionOrigin === fromStore) return fromStore;
  if (transactionOrigin === fromPeer) return fromPeer;
  return transactionOrigin instanceof ConnectionOrigin ? transactionOrigin : null;
}

/** The connection whose edit a transaction applies, or null (a replay, another node's update). */
export function connectionOf(transactionOrigin: unknown): RoomConnection | null {
  return transactionOrigin instanceof ConnectionOrigin ? transactionOrigin.connection : null;
}
