/**
 * The `/cases` Socket.IO namespace. One socket may have many cases open; every message names its
 * case, and a socket reaches only the cases it joined. This file owns the socket's lifecycle
 * (join, leave, disconnect) and delivery to the room; the planes' handlers live beside it.
 */
import {
  assertMayRead,
  assertValidStateVector,
  CaseroomError,
  mayRead,
  readScopes,
  type ReadScope,
  encodeSyncStep1,
  encodeUpdate,
  type ApprovalUpdate,
  type CaseRecord,
  type ClientToServerEvents,
  isClientEvent,
  type OverdueStep,
  type OwnerUpdate,
  type Identity,
  type RosterUpdate,
  unowned,
  openFloor,
  type ConversationState,
  type ServerToClientEvents,
  type SocketData,
} from '@caseroom/shared';
import type { Namespace } from 'socket.io';
import type { ApprovalBook } from '../approvals/ApprovalBook.js';
import type { CaseDirectory } from '../cases/CaseDirectory.js';
import type { CaseConversations } from '../conversation/CaseConversations.js';
import type { DomainChanges } from '../DomainChanges.js';
import type { EventLog } from '../events/EventLog.js';
import type { Access } from '../identity/Access.js';
import { ConnectionLimiter, type RateLimits } from '../limits/ConnectionLimiter.js';
import { bindLog, type Logger } from '../logger.js';
import type { HubMetrics } from '../metrics/HubMetrics.js';
import type { CaseOwners } from '../people/CaseOwners.js';
import type { Presence } from '../people/Presence.js';
import type { Roster } from '../people/Roster.js';
import type { CaseRooms } from '../rooms/CaseRooms.js';
import type { RelayedUpdates, RoomConnection, RoomRelay } from '../rooms/RoomConnection.js';
import { approvalHandlers } from './approvalHandlers.js';
import { conversationHandlers } from './conversationHandlers.js';
import { ConnectionExpiry, tokenExpiredMessage } from './ConnectionExpiry.js';
import { documentHandlers } from './documentHandlers.js';
import { engineConnectionOf } from './engineConnection.js';
import { endSubscriptions, eventHandlers } from './eventHandlers.js';
import { admitPacket, normalizeArguments, refusePacket, refuseUnknownEvent } from './packetGuards.js';
import { peopleHandlers } from './peopleHandlers.js';
import { SendBacklog } from './SendBacklog.js';
import { SocketContext, type CaseSocket } from './SocketContext.js';
import { runHandler, type SocketHandler, type SocketHandlers } from './SocketHandler.js';

export type CaseNamespace = Namespace<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export interface CaseHubOptions {
  rooms: CaseRooms;
  cases: CaseDirectory;
  roster: Roster;
  presence: Presence;
  owners: CaseOwners;
  approvals: ApprovalBook;
  conversations: CaseConversations;
  events: EventLog;
  /** what the hub announces to the case rooms: rosters, owners, approvals, case status; and revocations */
  changes: DomainChanges;
  log: Logger;
  maxMessageBytes: number;
  rateLimits: RateLimits;
  maxCasesPerSocket: number;
  /** bytes waiting to reach one socket before it is dropped as a slow consumer */
  maxSendBacklogBytes: number;
  metrics?: HubMetrics;
  /** verifies the fresh tokens presented in band (`auth:refresh`) */
  access: Access;
  /** how long a socket whose token expired may wait for a fresh one before it is closed */
  tokenGraceMs: number;
  /** remembers who signed in, so they can be named as handoff targets */
  rememberPerson: (who: Identity) => Promise<void>;
}

/** What a token whose scope does not cover the conversation sees of it. */
const noConversation: ConversationState = { messages: [], lastSeq: 0, floor: openFloor, composing: [] };

/** What a socket whose token expired may still ask for: a fresh token, and to leave a case. */
const allowedWhileExpired = new Set(['auth:refresh', 'case:leave']);

/** The Socket.IO room every socket that joined a case is in. */
export const socketRoomOf = (caseId: string): string => `case:${caseId}`;
/** The Socket.IO room of a team's associates (everyone but bots): the team-wide feed of approvals and overdue steps. */
export const teamRoomOf = (team: string): string => `team:${team}`;
/**
 * The Socket.IO room of the sockets whose token does not cover a part of cases (narrowed bots):
 * announcements of that part leave them out, on every node.
 */
const outOfScopeRoomOf = (scope: ReadScope): string => `out-of-scope:${scope}`;
const scopes = Object.keys(readScopes) as ReadScope[];

/**
 * Runs `then` once what is queued for the socket now has been handed to the network. engine.io's
 * transport says `drain` when a batch is written. What is queued now leaves in one batch (see
 * CoalescedWrites), which may have to wait for a batch already in flight; so at most two batches
 * go out before `then` runs, however busy the socket is.
 */
function afterWritten(socket: CaseSocket, then: () => void, batches = 2): void {
  const conn = engineConnectionOf(socket.conn);
  if (!Array.isArray(conn.writeBuffer) || conn.writeBuffer.length === 0 || batches === 0 || !conn.transport) return then();
  conn.transport.once('drain', () => {
    if (socket.connected) afterWritten(socket, then, batches - 1);
  });
}

/**
 * engine.io keeps the HTTP request that opened a connection (its headers, URL and socket
 * bookkeeping, about 4 KiB) for as long as the connection lives, for middleware that reads it
 * later. Nothing here does: the socket's handshake copied what the hub uses (auth, address) when
 * the socket joined the namespace. Letting it go is most of what an idle connection costs beyond
 * the WebSocket itself.
 */
function releaseOpeningRequest(socket: CaseSocket): void {
  engineConnectionOf(socket.conn).request = null;
}

export class CaseHub implements RoomRelay {
  private readonly nsp: CaseNamespace;
  private readonly options: CaseHubOptions;
  /** socket id -> what the hub keeps for it */
  private readonly live = new Map<string, SocketContext>();
  /** one handler per client event, shared by every socket */
  private readonly handlers: SocketHandlers;
  private readonly expiry: ConnectionExpiry;

  constructor(nsp: CaseNamespace, options: CaseHubOptions) {
    this.nsp = nsp;
    this.options = options;
    this.expiry = new ConnectionExpiry(options.tokenGraceMs);
    const { roster, owners, cases, approvals, conversations, events, metrics } = options;
    this.handlers = {
      ...this.caseHandlers(),
      ...this.authHandlers(),
      ...documentHandlers(),
      ...approvalHandlers(approvals),
      ...conversationHandlers(conversations, cases),
      ...eventHandlers(events, cases, metrics),
      ...peopleHandlers({ roster, owners, cases }),
    };
    nsp.on('connection', (socket) => this.accept(socket));
    this.announceChanges(options.changes);
  }

  /** A case's updates of one relay interval, merged by its room (see rooms/RelayBatch.ts). */
  relayUpdates({ caseId, update, sender, appliedAt }: RelayedUpdates): void {
    this.dropSlowConsumers(caseId);
    this.localRoom(caseId, sender).emit('doc:sync', caseId, encodeUpdate(update));
    const sent = performance.now();
    for (const at of appliedAt) this.options.metrics?.updateFannedOut((sent - at) / 1000);
  }

  relayAwareness(caseId: string, update: Uint8Array, origin: RoomConnection | null): void {
    this.dropSlowConsumers(caseId);
    this.localRoom(caseId, origin).emit('doc:awareness', caseId, update);
  }

  /** What the planes announce reaches the sockets it concerns; a revoked person's sockets close. */
  private announceChanges(changes: DomainChanges): void {
    changes.on('roster', ({ caseId, update }) => this.announceRoster(caseId, update));
    changes.on('owner', ({ caseId, update }) => this.announceOwner(caseId, update));
    changes.on('approval', ({ update }) => this.announceApproval(update));
    changes.on('stepOverdue', ({ step }) => this.announceOverdue(step));
    changes.on('caseStatus', ({ caseId, record }) => this.announceCase(caseId, record));
    // The conversation reaches the case room on every node; a client orders messages by seq.
    const conversationRoom = (caseId: string) => this.nsp.to(socketRoomOf(caseId)).except(outOfScopeRoomOf('conversation'));
    changes.on('message', ({ caseId, message }) => conversationRoom(caseId).emit('conversation:message', caseId, message));
    changes.on('delivery', ({ caseId, seq, delivery }) =>
      conversationRoom(caseId).emit('conversation:delivery', caseId, { seq, delivery }),
    );
    changes.on('composing', ({ caseId, composing }) => conversationRoom(caseId).emit('conversation:composing', caseId, composing));
    changes.on('floor', ({ caseId, floor }) => conversationRoom(caseId).emit('floor', caseId, floor));
    changes.on('revoked', ({ userId }) => this.closePerson(userId));
  }

  private announceRoster(caseId: string, update: RosterUpdate): void {
    // Each node announces the merged roster to its own sockets (see people/Presence.ts).
    this.nsp.local.to(socketRoomOf(caseId)).except(outOfScopeRoomOf('people')).emit('roster', caseId, update);
  }

  /** Ownership and case changes go to the case room on every node. */
  private announceOwner(caseId: string, update: OwnerUpdate): void {
    this.nsp.to(socketRoomOf(caseId)).except(outOfScopeRoomOf('ownership')).emit('owner', caseId, update);
  }

  /** Approval updates reach the case room and every connected associate of the case's team. */
  private announceApproval(update: ApprovalUpdate): void {
    this.nsp
      .to([socketRoomOf(update.approval.caseId), teamRoomOf(update.approval.team)])
      .except(outOfScopeRoomOf('approvals'))
      .emit('approval', update);
  }

  /**
   * An overdue step reaches the case room and every connected associate of the case's team (its
   * assignee among them), on every node: only the node that recorded it announces it.
   */
  private announceOverdue(step: OverdueStep): void {
    this.nsp
      .to([socketRoomOf(step.caseId), teamRoomOf(step.team)])
      .except(outOfScopeRoomOf('document'))
      .emit('step:overdue', step);
  }

  private announceCase(caseId: string, record: CaseRecord): void {
    this.nsp.to(socketRoomOf(caseId)).except(outOfScopeRoomOf('case')).emit('case:updated', caseId, record);
  }

  /**
   * Document traffic goes to this node's sockets only (other nodes relay from their own copy of
   * the document), minus the sender; the packet is encoded once for all recipients.
   */
  private localRoom(caseId: string, origin: RoomConnection | null) {
    const local = this.nsp.local.to(socketRoomOf(caseId));
    return origin?.transport === 'socket.io' ? local.except(origin.id) : local;
  }

  /**
   * Tells every socket that each of its cases is closing because this hub is going away. The
   * transport closes next, and clients reconnect (to another node, behind a balancer) and rejoin.
   */
  announceShutdown(): void {
    const reason = new CaseroomError('shutting_down', 'The hub is restarting; reconnect to continue').toWire();
    for (const { socket, joined } of this.live.values()) {
      for (const caseId of joined.keys()) socket.emit('case:closed', caseId, reason);
    }
  }

  /** Tells every socket of a revoked person why, then closes it. */
  private closePerson(userId: string): void {
    for (const context of [...this.live.values()]) if (context.who.userId === userId) cutOff(context.socket);
  }

  /**
   * A socket whose client stopped reading would buffer every relayed update in this process. Past
   * the backlog limit it is dropped; its client reconnects and resyncs from the document.
   */
  private dropSlowConsumers(caseId: string): void {
    const ids = this.nsp.adapter.rooms.get(socketRoomOf(caseId));
    if (!ids) return;
    for (const id of ids) this.dropIfSlow(id, caseId);
  }

  /** Drops the socket if its unsent backlog is over the limit; answers whether it did. */
  private dropIfSlow(socketId: string, caseId: string | null): boolean {
    const live = this.live.get(socketId);
    if (!live) return false;
    const backlog = live.backlog.bytes;
    if (backlog <= this.options.maxSendBacklogBytes) return false;
    live.log.warn({ caseId, backlog, limit: this.options.maxSendBacklogBytes }, 'dropping a slow consumer');
    this.live.delete(socketId);
    this.options.metrics?.slowConsumerDropped('socket.io');
    live.backlog.drop();
    return true;
  }

  private accept(socket: CaseSocket): void {
    const who = socket.data.identity;
    // Revoked while the handshake was being checked: the revocation's sweep did not see this socket.
    if (this.options.access.revocations.refuses(who.userId, socket.data.issuedAt)) return cutOff(socket);
    releaseOpeningRequest(socket);
    const log = bindLog(this.options.log, { socketId: socket.id, userId: who.userId });
    const context = new SocketContext(socket, log, new ConnectionLimiter(this.options.rateLimits), new SendBacklog(socket));
    this.live.set(socket.id, context);
    // One middleware takes every packet to its handler: no listener or closure per event and socket.
    socket.use((packet, _next) => this.receive(context, packet));
    socket.on('disconnect', (reason) => this.disconnected(context, reason));
    this.expiry.watch(context);
    socket.emit('auth:expires', { expiresInMs: expiresIn(context.expiresAt) });
    this.options.rememberPerson(who).catch((err: unknown) => log.warn({ err }, 'could not remember person'));
    if (who.role !== 'bot') void socket.join(teamRoomOf(who.team));
    for (const scope of scopes) if (!mayRead(who, scope)) void socket.join(outOfScopeRoomOf(scope));
    log.info({ role: who.role, team: who.team, address: socket.handshake.address }, 'socket connected');
  }

  /**
   * A packet from a client, on its way to the event's handler: a slow consumer is dropped first,
   * then size and rate limits, argument shape and unknown events are answered here. The request is
   * checked against its schema and handled on the next tick, as Socket.IO would run a listener,
   * and not after a disconnect.
   */
  private receive(context: SocketContext, packet: unknown[]): void {
    // A client that asks (say, sync step 1 after step 1) but does not read the answers piles them up here.
    const dropIfSlow = (): boolean => this.dropIfSlow(context.id, null);
    if (dropIfSlow()) return;
    if (!admitPacket(context, packet, this.options.maxMessageBytes, this.options.metrics, dropIfSlow)) return;
    normalizeArguments(packet);
    const [event, ...args] = packet;
    // Reserved names (`disconnect`) and Object.prototype's are not events.
    if (!isClientEvent(event)) return refuseUnknownEvent(packet);
    if (context.expired && !allowedWhileExpired.has(event))
      return refusePacket(packet, new CaseroomError('token_expired', tokenExpiredMessage));
    const ack = typeof args.at(-1) === 'function' ? args.pop() : undefined;
    const handler = this.handlers[event] as SocketHandler<typeof event>;
    process.nextTick(() => {
      if (context.socket.connected) void runHandler(event, handler, context, args, ack);
    });
  }

  private disconnected(context: SocketContext, reason: string): void {
    this.live.delete(context.id);
    this.expiry.forget(context);
    for (const room of context.joined.values()) this.options.rooms.leave(room, context);
    context.joined.clear();
    endSubscriptions(context);
    context.log.info({ reason }, 'socket disconnected');
  }

  /** A fresh token in band: the same person, role and team, for longer. */
  private authHandlers(): SocketHandlers<'auth:refresh'> {
    return {
      'auth:refresh': async (context, { token }) => {
        const grant = await this.options.access.verify(token);
        // Gone while the token was checked: no clock to arm for it.
        if (!context.socket.connected) throw new CaseroomError('not_connected', 'The connection closed');
        const now = context.who;
        const next = grant.identity;
        if (next.userId !== now.userId || next.role !== now.role || next.team !== now.team || !sameScope(next, now))
          throw new CaseroomError(
            'forbidden',
            'A fresh token must speak for the same person, role, team and scope; reconnect to change them',
          );
        context.socket.data = grant;
        this.expiry.watch(context);
        context.log.info('token refreshed');
        return { expiresInMs: expiresIn(grant.expiresAt) };
      },
    };
  }

  /** Joining and leaving cases: the socket's lifecycle in each case room. */
  private caseHandlers(): SocketHandlers<'case:join' | 'case:leave'> {
    const { rooms, cases, owners, approvals, conversations, presence } = this.options;
    return {
      'case:join': async (context, { caseId, stateVector }, afterReply) => {
        const { socket, who, joined, log } = context;
        if (stateVector) assertValidStateVector(stateVector);
        // Being in the room means reading the document as it changes.
        assertMayRead(who, 'document');
        const { maxCasesPerSocket } = this.options;
        const joining = (context.joining ??= new Set());
        if (!joined.has(caseId) && !joining.has(caseId) && joined.size + joining.size >= maxCasesPerSocket) {
          throw new CaseroomError('too_many_cases', `A connection may have at most ${maxCasesPerSocket} cases open; leave one first`);
        }
        joining.add(caseId);
        try {
          const record = await cases.open(caseId, who);
          let room = joined.get(caseId);
          if (!room) {
            const live = await rooms.join(caseId, context);
            if (socket.disconnected) {
              rooms.leave(live, context);
              throw new CaseroomError('not_joined', 'The socket disconnected while joining');
            }
            room = live;
            joined.set(caseId, live);
            await socket.join(socketRoomOf(caseId));
            log.info({ caseId }, 'case joined');
            // Our half of the handshake follows the ack, once it is written (working out our state
            // vector from a stored snapshot takes a while on a large case, and must not hold up the
            // rest of a large reply): the client answers with what we lack.
            afterReply(() =>
              afterWritten(socket, () => {
                socket.emit('doc:sync', caseId, encodeSyncStep1(live.stateVector()));
                const awareness = live.awarenessSnapshot();
                if (awareness) socket.emit('doc:awareness', caseId, awareness);
              }),
            );
          }
          // What the token's scope does not cover comes empty (a narrowed bot in the room).
          // The case's ownership is read once: the conversation's floor depends on it too.
          const current = owners.current(caseId);
          const [ownership, caseApprovals, members, conversation] = await Promise.all([
            mayRead(who, 'ownership') ? current : unowned,
            mayRead(who, 'approvals') ? approvals.forCase(caseId) : [],
            mayRead(who, 'people') ? presence.members(caseId) : [],
            mayRead(who, 'conversation') ? conversations.state(caseId, current) : noConversation,
          ]);
          // Computed last: anything applied while the rest was read is included.
          const update = stateVector ? room.diffFrom(stateVector) : undefined;
          const you = { userId: who.userId, name: who.name, role: who.role };
          return { case: record, you, roster: members, ownership, approvals: caseApprovals, conversation, ...(update ? { update } : {}) };
        } finally {
          joining.delete(caseId);
          // Every join under way is in the set until it ends: empty, nobody needs it.
          if (joining.size === 0) context.joining = null;
        }
      },

      'case:leave': async (context, { caseId }) => {
        const room = context.roomOf(caseId);
        context.joined.delete(caseId);
        await context.socket.leave(socketRoomOf(caseId));
        rooms.leave(room, context);
        context.log.info({ caseId }, 'case left');
        return {};
      },
    };
  }
}

function expiresIn(expiresAt: number | null): number | null {
  return expiresAt === null ? null : Math.max(0, expiresAt - Date.now());
}

/** Whether two identities see the same event types (a bot's narrowed scope, or everything). */
function sameScope(a: Identity, b: Identity): boolean {
  return JSON.stringify(a.eventTypes ?? null) === JSON.stringify(b.eventTypes ?? null);
}

/** Tells a socket its person was revoked, then closes it (the client does not reconnect). */
function cutOff(socket: CaseSocket): void {
  socket.emit('auth:revoked', new CaseroomError('token_revoked').toWire());
  socket.disconnect(true);
}
