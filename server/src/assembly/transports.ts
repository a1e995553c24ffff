/**
 * The ways in, attached over the planes: one HTTP server carrying the REST API, the `/cases`
 * Socket.IO namespace and the y-websocket endpoint. Each transport listens to the domain changes
 * it announces as it is attached, and relays the rooms' output to its own connections.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { asksForOneFrames, casesNamespace, oneFrameReadingParser } from '@caseroom/shared';
import { Server as SocketServer } from 'socket.io';
import { WebSocketServer } from 'ws';
import type { ApprovalBook } from '../approvals/ApprovalBook.js';
import type { CaseDirectory } from '../cases/CaseDirectory.js';
import type { CaseConversations } from '../conversation/CaseConversations.js';
import type { HubConfig } from '../config.js';
import type { EventLog } from '../events/EventLog.js';
import type { WebhookRegistry } from '../events/WebhookRegistry.js';
import { createHttpApp } from '../http/app.js';
import { refuseUnparsable } from '../http/rawRefusal.js';
import { CaseHub, type CaseNamespace } from '../hub/CaseHub.js';
import { coalesceWrites } from '../hub/CoalescedWrites.js';
import { engineShapeProblems } from '../hub/engineConnection.js';
import { oneFrameWrites } from '../hub/OneFrameWrites.js';
import { socketAuth } from '../hub/socketAuth.js';
import { UpgradeRoutes } from '../hub/UpgradeRoutes.js';
import { YWebsocketEndpoint } from '../hub/YWebsocketEndpoint.js';
import { CaseDocuments } from '../rooms/CaseDocuments.js';
import type { CaseRooms } from '../rooms/CaseRooms.js';
import type { Ground, IdentityPlane, PeoplePlane } from './planes.js';

const socketIoPath = '/socket.io/';

/** The services of the planes that the transports serve. */
export interface Planes extends IdentityPlane, PeoplePlane {
  rooms: CaseRooms;
  events: EventLog;
  webhooks: WebhookRegistry;
  cases: CaseDirectory;
  approvals: ApprovalBook;
  conversations: CaseConversations;
}

export interface Transports {
  /** the Socket.IO server (its `/cases` namespace is the hub's; an embedding app may add its own) */
  readonly io: SocketServer;
  /** Starts listening on the configured host and port. */
  listen(): Promise<void>;
  /** Where the hub listens, once it does. */
  address(): { url: string; port: number };
  /**
   * Tells every client the hub is going away, closes their connections (they reconnect, elsewhere
   * behind a balancer), and cuts off those that do not finish their closing handshake in time.
   */
  close(): Promise<void>;
}

export function attachTransports(
  config: HubConfig,
  { log, store, changes, cluster, metrics }: Ground,
  { tokens, access, rooms, events, webhooks, cases, roster, presence, owners, approvals, conversations }: Planes,
  /** false while the hub is draining; /readyz then answers 503 */
  isAccepting: () => boolean,
): Transports {
  const app = createHttpApp({
    cases,
    documents: new CaseDocuments(rooms, events),
    owners,
    approvals,
    conversations,
    events,
    webhooks,
    store,
    tokens,
    access,
    log,
    devLogin: config.devLogin,
    adminToken: config.adminToken,
    isAccepting,
    metrics: { contentType: metrics.contentType, scrape: () => metrics.scrape(), token: config.metricsToken },
  });
  const httpServer = createServer(app);
  // What Node's parser throws out (headers over its limit, not HTTP at all) gets a JSON refusal too.
  httpServer.on('clientError', refuseUnparsable);

  const io = new SocketServer(httpServer, {
    path: socketIoPath,
    serveClient: false,
    transports: ['websocket', 'polling'],
    // Messages over our own limit get a `payload_too_large` ack; only far larger ones cut the connection.
    maxHttpBufferSize: config.maxMessageBytes * 2,
    // The y-websocket endpoint shares this server's upgrades; engine.io must leave them alone.
    destroyUpgrade: false,
    // Our own ws, not the older copy engine.io pins: that one keeps each connection's last received
    // network chunk alive (the frame's mask is a view into it) for as long as the client stays quiet.
    wsEngine: WebSocketServer,
    // Reads a message with binary parts in one frame as well as in Socket.IO's default form (see hub/OneFrameWrites.ts).
    parser: oneFrameReadingParser,
    ...(cluster.adapter ? { adapter: cluster.adapter } : {}),
  });
  // Each Socket.IO message leaves in one write, not one per packet (see hub/CoalescedWrites.ts),
  // on connections that have the engine.io members it reaches; others run as engine.io made them.
  const reported = new Set<string>();
  const shapeMismatch = (missing: string[], consequence: string): void => {
    metrics.engineShapeMismatch();
    if (!reported.has(consequence)) log.warn({ missing }, `connections lack members the hub reaches; ${consequence}`);
    reported.add(consequence);
  };
  io.engine.on('connection', (conn: unknown) => {
    const problems = engineShapeProblems(conn);
    if (problems.length === 0) return coalesceWrites(conn);
    shapeMismatch(problems, 'writes are not coalesced');
  });
  const nsp = io.of(casesNamespace) as CaseNamespace;
  const { messagesPerSecond, bytesPerSecond, burstSeconds } = config.limits;
  const rateLimits = { messagesPerSecond, bytesPerSecond, burstSeconds, maxMessageBytes: config.maxMessageBytes };
  nsp.use(socketAuth(access, log));
  // A client that asked (the SDK) gets each message with binary parts in one frame; others, Socket.IO's default.
  nsp.use((socket, next) => {
    if (asksForOneFrames(socket.handshake.query) && !oneFrameWrites(socket.client))
      shapeMismatch(['client.writeToEngine'], 'binary messages go in two frames');
    next();
  });
  const caseHub = new CaseHub(nsp, {
    rooms,
    cases,
    roster,
    presence,
    owners,
    approvals,
    conversations,
    events,
    changes,
    log,
    maxMessageBytes: config.maxMessageBytes,
    rateLimits,
    maxCasesPerSocket: config.limits.maxCasesPerSocket,
    maxSendBacklogBytes: config.limits.maxSendBacklogBytes,
    metrics,
    access,
    tokenGraceMs: config.tokenGraceMs,
    rememberPerson: (who) => store.people.remember(who, new Date().toISOString()),
  });
  rooms.addRelay(caseHub);
  metrics.countConnections('socket.io', () => nsp.sockets.size);

  const yWebsocket = new YWebsocketEndpoint({
    rooms,
    cases,
    access,
    changes,
    log,
    maxMessageBytes: config.maxMessageBytes,
    rateLimits,
    maxSendBacklogBytes: config.limits.maxSendBacklogBytes,
    metrics,
  });
  rooms.addRelay(yWebsocket);
  metrics.countConnections('y-websocket', () => yWebsocket.connectionCount);
  const upgrades = new UpgradeRoutes(httpServer, yWebsocket, socketIoPath);

  return {
    io,

    listen: () =>
      new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(config.port, config.host, () => {
          httpServer.off('error', reject);
          resolve();
        });
      }),

    address() {
      const { port } = httpServer.address() as AddressInfo;
      const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
      return { url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`, port };
    },

    async close() {
      const graceMs = Math.min(2_000, config.shutdownTimeoutMs / 4);
      caseHub.announceShutdown();
      // Closing Socket.IO closes the HTTP server too: nothing new gets in from here.
      const socketsClosed = new Promise<void>((resolve) => io.close(() => resolve()));
      const cutOff = setTimeout(() => {
        upgrades.cutOff();
        httpServer.closeAllConnections();
      }, graceMs);
      await Promise.all([yWebsocket.close(graceMs), socketsClosed]);
      clearTimeout(cutOff);
      httpServer.closeAllConnections();
    },
  };
}
