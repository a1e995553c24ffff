/**
 * The `/cases` Socket.IO namespace: joining and leaving cases, binary document sync and awareness.
 * One socket may have many cases open; every message names its case, and a socket can only reach
 * the cases it has joined.
 */
import {
  CaseroomError,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeUpdate,
  decodeSyncMessage,
  type ClientToServerEvents,
  type ServerToClientEvents,
  type SocketData,
} from '@caseroom/shared';
import type { Namespace, Socket } from 'socket.io';
import * as Y from 'yjs';
import { z } from 'zod';
import type { CaseDirectory } from '../cases/CaseDirectory.js';
import type { Logger } from '../logger.js';
import type { CaseRoom } from '../rooms/CaseRoom.js';
import type { CaseRooms } from '../rooms/CaseRooms.js';
import type { RoomConnection, RoomRelay } from '../rooms/RoomConnection.js';
import { caseIdSchema, parse } from '../validation.js';
import { respond } from './respond.js';

type CaseSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type CaseNamespace = Namespace<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

const joinSchema = z.strictObject({ caseId: caseIdSchema });

export interface CaseHubOptions {
  rooms: CaseRooms;
  cases: CaseDirectory;
  log: Logger;
  maxMessageBytes: number;
}

/** The Socket.IO room every socket that joined a case is in. */
export const socketRoomOf = (caseId: string): string => `case:${caseId}`;

export class CaseHub implements RoomRelay {
  constructor(
    private readonly nsp: CaseNamespace,
    private readonly options: CaseHubOptions,
  ) {
    nsp.on('connection', (socket) => this.accept(socket));
  }

  relayUpdate(caseId: string, update: Uint8Array, origin: RoomConnection | null): void {
    this.broadcast(caseId, origin).emit('doc:sync', caseId, encodeUpdate(update));
  }

  relayAwareness(caseId: string, update: Uint8Array, origin: RoomConnection | null): void {
    this.broadcast(caseId, origin).emit('doc:awareness', caseId, update);
  }

  /** This node's sockets in the case room, minus the sender; the packet is encoded once for all. */
  private broadcast(caseId: string, origin: RoomConnection | null) {
    const local = this.nsp.local.to(socketRoomOf(caseId));
    return origin?.transport === 'socket.io' ? local.except(origin.id) : local;
  }

  private accept(socket: CaseSocket): void {
    const { rooms, cases } = this.options;
    const who = socket.data;
    const log = this.options.log.child({ socketId: socket.id, userId: who.userId });
    const connection: RoomConnection = { id: socket.id, transport: 'socket.io', userId: who.userId };
    const joined = new Map<string, CaseRoom>();
    log.debug('socket connected');

    const roomOf = (caseId: unknown): CaseRoom => {
      const id = parse(caseIdSchema, caseId);
      const room = joined.get(id);
      if (!room) throw new CaseroomError('not_joined', `Join case ${id} before sending messages for it`);
      return room;
    };
    const checkBinary = (payload: unknown): Uint8Array => {
      if (!(payload instanceof Uint8Array)) throw new CaseroomError('invalid_payload', 'Expected a binary message', { field: 'message' });
      if (payload.byteLength > this.options.maxMessageBytes) {
        throw new CaseroomError('payload_too_large', `Messages are limited to ${this.options.maxMessageBytes} bytes`);
      }
      return payload;
    };

    socket.on('case:join', (request, ack) => {
      let greet: (() => void) | undefined;
      return respond(
        ack,
        log,
        async () => {
        const { caseId } = parse(joinSchema, request);
        const record = await cases.open(caseId, who);
        if (!joined.has(caseId)) {
          const room = await rooms.join(caseId, connection);
          if (socket.disconnected) {
            rooms.leave(room, connection);
            throw new CaseroomError('not_joined', 'The socket disconnected while joining');
          }
          joined.set(caseId, room);
          await socket.join(socketRoomOf(caseId));
          log.info({ caseId }, 'case joined');
          // Our half of the handshake follows the ack: the client answers with what we lack.
          greet = () => {
            socket.emit('doc:sync', caseId, encodeSyncStep1(Y.encodeStateVector(room.doc)));
            const awareness = room.awarenessSnapshot();
            if (awareness) socket.emit('doc:awareness', caseId, awareness);
          };
        }
        return { case: record };
        },
        () => greet?.(),
      );
    });

    socket.on('case:leave', (request, ack) =>
      respond(ack, log, async () => {
        const { caseId } = parse(joinSchema, request);
        const room = joined.get(caseId);
        if (!room) throw new CaseroomError('not_joined', `Case ${caseId} is not open on this socket`);
        joined.delete(caseId);
        await socket.leave(socketRoomOf(caseId));
        rooms.leave(room, connection);
        log.info({ caseId }, 'case left');
        return {};
      }),
    );

    socket.on('doc:sync', (caseId, message, ack) =>
      respond(ack, log, async () => {
        const room = roomOf(caseId);
        const sync = decodeSyncMessage(checkBinary(message));
        if (sync.type === 'step1') return { reply: encodeSyncStep2(room.diffFrom(sync.stateVector)) };
        // Nothing may be awaited before receiveUpdate: it applies synchronously, keeping this socket's order.
        await room.receiveUpdate(sync.update, connection);
        return {};
      }),
    );

    socket.on('doc:awareness', (caseId, update, ack) =>
      respond(ack, log, () => {
        roomOf(caseId).receiveAwareness(checkBinary(update), connection);
        return {};
      }),
    );

    socket.on('disconnect', (reason) => {
      for (const room of joined.values()) rooms.leave(room, connection);
      joined.clear();
      log.debug({ reason }, 'socket disconnected');
    });
  }
}
