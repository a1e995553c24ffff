import { CaseroomError, type ClientToServerEvents, type Identity, type ServerToClientEvents, type SocketData } from '@caseroom/shared';
import type { Socket } from 'socket.io';
import type { EventSubscription } from '../events/EventSubscription.js';
import type { ConnectionLimiter } from '../limits/ConnectionLimiter.js';
import type { Log } from '../logger.js';
import type { CaseRoom } from '../rooms/CaseRoom.js';
import type { RoomConnection } from '../rooms/RoomConnection.js';
import type { SendBacklog } from './SendBacklog.js';

export type CaseSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/** A live event subscription of a socket, and how to stop reporting its lag. */
export interface LiveSubscription {
  subscription: EventSubscription;
  unwatch: () => void;
}

/**
 * What the hub keeps for one socket, and what every handler gets first: who it is, the cases it
 * joined, its limits. It is also the socket's link to each case room it joined. One plain object
 * per socket, with what only some sockets need (joins under way, event subscriptions) made on
 * first use: an idle connection is most of what a hub holds.
 */
export class SocketContext implements RoomConnection {
  readonly id: string;
  /** case id -> its live room, for the cases this socket joined */
  readonly joined = new Map<string, CaseRoom>();
  /** joins under way, counted against the socket's limit of open cases */
  joining: Set<string> | null = null;
  /** subscription id -> the socket's live event subscriptions */
  subscriptions: Map<string, LiveSubscription> | null = null;
  /** true while the socket is over its rate limit (one warning per episode) */
  rateLimited = false;
  /** true from its token's expiry until a fresh token is presented: requests are refused meanwhile */
  expired = false;

  constructor(
    readonly socket: CaseSocket,
    readonly log: Log,
    readonly limiter: ConnectionLimiter,
    readonly backlog: SendBacklog,
  ) {
    this.id = socket.id;
  }

  get transport(): 'socket.io' {
    return 'socket.io';
  }

  get identity(): Identity {
    return this.socket.data.identity;
  }

  get who(): Identity {
    return this.socket.data.identity;
  }

  /** When the socket's token expires (ms since the epoch); null: never. */
  get expiresAt(): number | null {
    return this.socket.data.expiresAt;
  }

  /** The joined room of a case named in a request; throws `not_joined`. */
  roomOf(caseId: string): CaseRoom {
    const room = this.joined.get(caseId);
    if (!room) throw new CaseroomError('not_joined', `Join case ${caseId} before sending messages for it`);
    return room;
  }
}
