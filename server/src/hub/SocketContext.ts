import type { ClientToServerEvents, Identity, ServerToClientEvents, SocketData } from '@caseroom/shared';
import type { Socket } from 'socket.io';
import type { Logger } from '../logger.js';
import type { CaseRoom } from '../rooms/CaseRoom.js';
import type { RoomConnection } from '../rooms/RoomConnection.js';

export type CaseSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/** What every handler of one socket shares: who it is, and the cases it has joined. */
export interface SocketContext {
  socket: CaseSocket;
  who: Identity;
  connection: RoomConnection;
  log: Logger;
  /** case id -> its live room, for the cases this socket joined */
  joined: Map<string, CaseRoom>;
  /** The joined room of a case named in a payload; throws `invalid_payload` or `not_joined`. */
  roomOf(caseId: unknown): CaseRoom;
}
