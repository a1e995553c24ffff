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

/**
 * A transport that delivers what a room produces to its own local connections. Each relay gets
 * every update once and encodes it once, however many recipients it has.
 */
export interface RoomRelay {
  relayUpdate(caseId: string, update: Uint8Array, origin: RoomConnection | null): void;
  relayAwareness(caseId: string, update: Uint8Array, origin: RoomConnection | null): void;
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
