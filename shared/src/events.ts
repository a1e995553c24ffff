/**
 * The Socket.IO event maps of the `/cases` namespace, shared by the hub and the SDK so that a
 * misspelt event or a wrong payload is a compile error on both sides. Document traffic is binary
 * (y-protocols bytes); every request carries an acknowledgement callback.
 */
import type { CaseRecord } from './cases.js';
import type { Ack } from './errors.js';
import type { Identity } from './identity.js';

export const casesNamespace = '/cases';

export interface JoinRequest {
  caseId: string;
}

export type JoinAck = Ack<{ case: CaseRecord }>;
export type SyncAck = Ack<{ reply?: Uint8Array }>;
export type PlainAck = Ack;

export interface ClientToServerEvents {
  /** Opens a case on this socket. The server then sends its sync step 1 as `doc:sync`. */
  'case:join': (request: JoinRequest, ack: (response: JoinAck) => void) => void;
  /** Closes a case on this socket. */
  'case:leave': (request: JoinRequest, ack: (response: PlainAck) => void) => void;
  /**
   * A y-protocols sync message for a joined case. For step 1 the ack carries the server's step 2
   * as `reply`; for step 2 and updates the ack means "applied and stored".
   */
  'doc:sync': (caseId: string, message: Uint8Array, ack: (response: SyncAck) => void) => void;
  /** A y-protocols awareness update (cursors, selections, typing) for a joined case. */
  'doc:awareness': (caseId: string, update: Uint8Array, ack: (response: PlainAck) => void) => void;
}

export interface ServerToClientEvents {
  /** A y-protocols sync message (step 1 on join, updates relayed from others). */
  'doc:sync': (caseId: string, message: Uint8Array) => void;
  /** A y-protocols awareness update from others in the room. */
  'doc:awareness': (caseId: string, update: Uint8Array) => void;
  /** The server closed this case on this socket (e.g. it is shutting down); rejoin to continue. */
  'case:closed': (caseId: string, reason: { code: string; message: string }) => void;
}

/** What the hub attaches to each socket after authentication: who the token speaks for. */
export type SocketData = Identity;
