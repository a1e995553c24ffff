/**
 * `ws://host/yjs/:caseId?token=JWT`: the y-websocket protocol, so an unmodified `WebsocketProvider`
 * (and every editor binding built on it) edits the same case document as Socket.IO clients, under
 * the same permissions and through the same durable path. Refusals happen before the upgrade, as
 * an HTTP status with a JSON error body.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  assertMayRead,
  caseIdSchema,
  CaseroomError,
  decodeFrame,
  encodeAwarenessFrame,
  encodeSyncFrame,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeUpdate,
  toWireError,
} from '@caseroom/shared';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { CaseDirectory } from '../cases/CaseDirectory.js';
import type { DomainChanges } from '../DomainChanges.js';
import { refuseOnSocket } from '../http/rawRefusal.js';
import type { Access, Grant } from '../identity/Access.js';
import { atExpiry } from '../identity/tokenClock.js';
import { ConnectionLimiter, type RateLimits } from '../limits/ConnectionLimiter.js';
import { bindLog, type Log, type Logger } from '../logger.js';
import type { HubMetrics } from '../metrics/HubMetrics.js';
import type { CaseRoom } from '../rooms/CaseRoom.js';
import type { CaseRooms } from '../rooms/CaseRooms.js';
import type { RelayedUpdates, RoomConnection, RoomRelay } from '../rooms/RoomConnection.js';
import { binaryFrame, frameSenderOf, type FrameSender, type PreparedFrame } from './WebSocketFrames.js';

export const yWebsocketPrefix = '/yjs/';

/** WebSocket close codes we use (RFC 6455 and the IANA registry). */
const closeMalformed = 1007;
const closePolicy = 1008;
const closeTooBig = 1009;
const closeServerError = 1011;
/** "Service restart": the client should reconnect, which y-websocket providers do on any close. */
const closeRestart = 1012;
/**
 * The edit breaks the case document / records a fact in someone else's name. In 4400–4499, which
 * a y-websocket provider (v3) takes as final: it stops reconnecting, since resending the same
 * change could only be refused again, and emits `closed` so the app can start from a fresh doc.
 */
export const closeInvalidDocument = 4422;
export const closeForgedAuthor = 4403;
/**
 * The token expired / its person was revoked. Final for a provider too: the token is in its URL,
 * so the application reconnects with a fresh one (`provider.params.token = …; provider.connect()`).
 */
export const closeTokenExpired = 4401;
export const closeTokenRevoked = 4402;

/** what a connection closed for a refused message is told, by error code */
const closeCodeOf: Partial<Record<string, number>> = {
  internal_error: closeServerError,
  payload_too_large: closeTooBig,
  document_too_large: closeTooBig,
  rate_limited: closePolicy,
  invalid_document: closeInvalidDocument,
  forged_author: closeForgedAuthor,
};
const keepAliveMs = 30_000;

interface YConnection extends RoomConnection {
  ws: WebSocket;
  /** closes the connection when its token expires (none for a token without `exp`) */
  expiry: { timer: NodeJS.Timeout } | null;
  alive: boolean;
  limiter: ConnectionLimiter;
  /** whether our sync step 1 and the room's awareness went out */
  greeted: boolean;
  /** writes a relayed message framed once for the room; null: this connection frames its own (`ws.send`) */
  frames: FrameSender | null;
}

export interface YWebsocketEndpointOptions {
  rooms: CaseRooms;
  cases: CaseDirectory;
  access: Access;
  /** a revoked person's connections close */
  changes: DomainChanges;
  log: Logger;
  maxMessageBytes: number;
  rateLimits: RateLimits;
  /** bytes waiting to reach one connection before it is dropped as a slow consumer */
  maxSendBacklogBytes: number;
  metrics?: HubMetrics;
}

export class YWebsocketEndpoint implements RoomRelay {
  private readonly wss: WebSocketServer;
  private readonly byCase = new Map<string, Set<YConnection>>();
  private readonly keepAlive: NodeJS.Timeout;
  private closing = false;

  constructor(private readonly options: YWebsocketEndpointOptions) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes });
    // Connections that stop answering pings are dropped, which releases their room.
    this.keepAlive = setInterval(() => {
      for (const connections of this.byCase.values()) {
        for (const conn of connections) {
          if (!conn.alive) conn.ws.terminate();
          conn.alive = false;
          conn.ws.ping();
        }
      }
    }, keepAliveMs);
    this.keepAlive.unref();
    options.changes.on('revoked', ({ userId }) => this.closePerson(userId));
  }

  /** Takes an HTTP upgrade if its path is ours; returns false to leave it to others. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(req.url ?? '/', 'http://caseroom.invalid');
    if (!url.pathname.startsWith(yWebsocketPrefix)) return false;
    void this.admit(req, socket, head, url);
    return true;
  }

  /** A case's updates of one relay interval, merged by its room (see rooms/RelayBatch.ts). */
  relayUpdates({ caseId, update, sender }: RelayedUpdates): void {
    this.send(caseId, encodeSyncFrame(encodeUpdate(update)), sender);
  }

  relayAwareness(caseId: string, update: Uint8Array, origin: RoomConnection | null): void {
    this.send(caseId, encodeAwarenessFrame(update), origin);
  }

  /** Closes every connection of a revoked person (4402). */
  private closePerson(userId: string): void {
    for (const connections of this.byCase.values())
      for (const conn of connections) if (conn.identity.userId === userId) conn.ws.close(closeTokenRevoked, 'token_revoked');
  }

  /** Open connections on this node. */
  get connectionCount(): number {
    let count = 0;
    for (const connections of this.byCase.values()) count += connections.size;
    return count;
  }

  /**
   * Closes every connection with 1012 (service restart) so providers reconnect, waiting up to
   * `graceMs` for the closing handshakes; connections that do not answer are torn down.
   */
  async close(graceMs: number): Promise<void> {
    this.closing = true;
    clearInterval(this.keepAlive);
    const open = [...this.byCase.values()].flatMap((connections) => [...connections]);
    const closed = open.map(
      ({ ws }) =>
        new Promise<void>((resolve) => {
          if (ws.readyState === WebSocket.CLOSED) return resolve();
          ws.once('close', () => resolve());
          ws.close(closeRestart, 'shutting_down: the hub is restarting');
        }),
    );
    const deadline = setTimeout(() => open.forEach(({ ws }) => ws.terminate()), graceMs);
    await Promise.all(closed);
    clearTimeout(deadline);
    this.wss.close();
  }

  /** Sends `message` to the case's connections but `origin`, framed once for all of them (see WebSocketFrames.ts). */
  private send(caseId: string, message: Uint8Array, origin: RoomConnection | null): void {
    const connections = this.byCase.get(caseId);
    if (!connections) return;
    let frame: PreparedFrame | null | undefined;
    for (const conn of connections) {
      if (conn === origin || conn.ws.readyState !== WebSocket.OPEN || this.dropIfSlow(caseId, conn)) continue;
      if (conn.frames && (frame ??= binaryFrame(message))) conn.frames.sendFrame(frame);
      else conn.ws.send(message);
    }
  }

  private async admit(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): Promise<void> {
    let caseId: string;
    let grant: Grant;
    try {
      const parsed = caseIdSchema.safeParse(decodePathSegment(url.pathname.slice(yWebsocketPrefix.length)));
      if (!parsed.success) throw new CaseroomError('unknown_case', 'The case id in the path is not valid');
      caseId = parsed.data;
      grant = await this.options.access.verify(url.searchParams.get('token') ?? undefined);
      await this.options.cases.open(caseId, grant.identity);
      assertMayRead(grant.identity, 'document');
      if (this.closing) throw new CaseroomError('shutting_down');
    } catch (err) {
      const code = err instanceof CaseroomError ? err.code : 'internal_error';
      if (code === 'internal_error') this.options.log.error({ err }, 'y-websocket upgrade failed');
      this.options.log.info({ code, path: url.pathname }, 'y-websocket connection refused');
      refuseOnSocket(socket, err);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      // Hold incoming frames until the room is loaded; the client's step 1 arrives immediately.
      ws.pause();
      const who = grant.identity;
      const conn: YConnection = {
        id: randomUUID(),
        transport: 'y-websocket',
        identity: who,
        ws,
        expiry: null,
        alive: true,
        limiter: new ConnectionLimiter(this.options.rateLimits),
        greeted: false,
        frames: frameSenderOf(ws),
      };
      this.options.rooms.join(caseId, conn).then(
        (room) => this.attach(caseId, room, conn, grant),
        (err: unknown) => {
          this.options.log.error({ err, caseId, userId: who.userId }, 'loading the case room failed');
          ws.close(closeServerError, 'store_unavailable');
        },
      );
    });
  }

  private attach(caseId: string, room: CaseRoom, conn: YConnection, grant: Grant): void {
    const { ws } = conn;
    // Revoked while the room was loading: the revocation's sweep did not see this connection.
    if (this.options.access.revocations.refuses(conn.identity.userId, grant.issuedAt)) {
      this.options.rooms.leave(room, conn);
      ws.close(closeTokenRevoked, 'token_revoked');
      return;
    }
    if (ws.readyState !== WebSocket.OPEN || this.closing) {
      this.options.rooms.leave(room, conn);
      if (ws.readyState === WebSocket.OPEN) ws.close(closeRestart, 'shutting_down: the hub is restarting');
      return;
    }
    const log = bindLog(this.options.log, { caseId, userId: conn.identity.userId, connectionId: conn.id, transport: 'y-websocket' });
    let connections = this.byCase.get(caseId);
    if (!connections) this.byCase.set(caseId, (connections = new Set()));
    connections.add(conn);

    ws.on('pong', () => (conn.alive = true));
    ws.on('message', (data: RawData) => this.receive(room, conn, toBytes(data), log));
    ws.on('error', (err) => log.warn({ err }, 'y-websocket connection error'));
    this.closeAtExpiry(conn, grant.expiresAt, log);
    ws.on('close', () => {
      clearTimeout(conn.expiry?.timer);
      connections.delete(conn);
      if (connections.size === 0) this.byCase.delete(caseId);
      this.options.rooms.leave(room, conn);
      log.info('y-websocket connection closed');
    });

    ws.resume();
    log.info('case joined');
  }

  /** A token is good for its lifetime, not only at the upgrade: at `exp` the connection closes with 4401. */
  private closeAtExpiry(conn: YConnection, expiresAt: number | null, log: Log): void {
    if (expiresAt === null) return;
    conn.expiry = atExpiry(expiresAt, () => {
      log.info('token expired; closing the y-websocket connection');
      conn.ws.close(closeTokenExpired, 'token_expired: reconnect with a fresh token');
    });
  }

  private greet(room: CaseRoom, conn: YConnection): void {
    conn.greeted = true;
    conn.ws.send(encodeSyncFrame(encodeSyncStep1(room.stateVector())));
    const awareness = room.awarenessSnapshot();
    if (awareness) conn.ws.send(encodeAwarenessFrame(awareness));
  }

  /**
   * A client that stopped reading would buffer everything sent to it here (relayed updates, and
   * the answers to its own requests); past the limit it is dropped, and it resyncs on reconnect.
   */
  private dropIfSlow(caseId: string, conn: YConnection): boolean {
    const backlog = conn.ws.bufferedAmount;
    if (backlog <= this.options.maxSendBacklogBytes) return false;
    this.options.log.warn({ caseId, userId: conn.identity.userId, connectionId: conn.id, backlog }, 'dropping a slow consumer');
    this.options.metrics?.slowConsumerDropped('y-websocket');
    conn.ws.terminate();
    return true;
  }

  private receive(room: CaseRoom, conn: YConnection, bytes: Uint8Array, log: Log): void {
    if (this.dropIfSlow(room.caseId, conn)) return;
    try {
      // Without acknowledgements to refuse with, a flooding client is closed; it resyncs on reconnect.
      conn.limiter.admit(bytes.byteLength);
      // An update inside is decoded once, by the room's gate.
      const frame = decodeFrame(bytes, { checkUpdate: false });
      switch (frame.kind) {
        case 'sync':
          if (frame.message.type === 'step1') {
            conn.ws.send(encodeSyncFrame(encodeSyncStep2(room.diffFrom(frame.message.stateVector))));
          } else {
            room.receiveUpdate(frame.message.update, conn).catch((err: unknown) => {
              log.error({ err }, 'update could not be stored; closing so the client resends on reconnect');
              conn.ws.close(closeServerError, toWireError(err).code);
            });
          }
          break;
        case 'awareness':
          room.receiveAwareness(frame.update, conn);
          break;
        case 'queryAwareness': {
          const awareness = room.awarenessSnapshot();
          if (awareness) conn.ws.send(encodeAwarenessFrame(awareness));
          break;
        }
        case 'auth':
          break;
      }
      // Our half of the handshake follows the answer to the client's first message (its step 1,
      // sent as it opened): the newcomer's document fills first, and what we hold of a document
      // not built yet takes a read of the stored snapshot to work out.
      if (!conn.greeted) this.greet(room, conn);
    } catch (err) {
      const wire = toWireError(err);
      this.options.metrics?.messageRefused('y-websocket', wire.code);
      log.warn({ code: wire.code }, 'closing y-websocket connection after a bad message');
      conn.ws.close(closeCodeOf[wire.code] ?? closeMalformed, closeReason(`${wire.code}: ${wire.message}`));
    }
  }
}

/** A close frame's reason holds at most 123 bytes (RFC 6455); a longer one makes `ws` throw. */
function closeReason(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.byteLength <= 123) return text;
  // Cut on a character boundary: decoding drops a partial trailing character as U+FFFD, which is then removed.
  return bytes
    .subarray(0, 123)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
}

/** A percent-decoded path segment, or undefined when its escapes are broken (a client error, not ours). */
function decodePathSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  return data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
