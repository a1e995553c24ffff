import type { Identity } from '@caseroom/shared';

/**
 * One participant's link to one case room: a Socket.IO socket that joined the case, or one
 * y-websocket connection. Rooms only need to tell connections apart; the transports own the rest.
 */
export interface RoomConnection {
  /** unique per transport connection (the Socket.IO socket id, or a generated id for y-websocket) */
  readonly id: string;
  /** `http` for an edit the hub makes on a person's behalf through the API (a repair) */
  readonly transport: 'socket.io' | 'y-websocket' | 'http';
  /** who the connection's token speaks for */
  readonly identity: Identity;
}

/** A case's document updates of one relay interval, merged: what every transport gets of them. */
export interface RelayedUpdates {
  caseId: string;
  /** every update of the batch, merged */
  update: Uint8Array;
  /** the one connection all of them came from, which need not get them back; else null */
  sender: RoomConnection | null;
  /** when each of them was applied (performance.now()) */
  appliedAt: number[];
}

/**
 * A transport that delivers what a room produces to its own local connections. Each relay gets a
 * case's merged updates once and encodes them once, however many recipients it has.
 */
export interface RoomRelay {
  relayUpdates(relayed: RelayedUpdates): void;
  /** `origin`: the connection the change came from, which need not get it back */
  relayAwareness(caseId: string, update: Uint8Array, origin: RoomConnection | null): void;
}

/**
 * The other hub nodes: each gets what this node's connections changed, one update at a time as it
 * is applied (their rooms merge it for their own connections). What came from a peer never goes back.
 */
export interface PeerRelay {
  publishUpdate(caseId: string, update: Uint8Array): void;
  publishAwareness(caseId: string, update: Uint8Array): void;
}

/** What rooms report for monitoring; the hub's metrics implement it. */
export interface RoomMetrics {
  /** a non-empty document update arrived from a connection */
  updateReceived(transport: RoomConnection['transport']): void;
  /** one update's store write took `seconds` */
  updateStored(seconds: number): void;
  /** an update made here (`local`) or on another node (`peer`) went out to the relays */
  updateRelayed(source: 'local' | 'peer'): void;
  /** a listener on a case document (`reader`: what it was for) threw; the room went on */
  readerFailed(reader: string): void;
}
