/**
 * The hub: one HTTP server carrying the REST API, the `/cases` Socket.IO namespace and the
 * y-websocket endpoint, all over the same case rooms and store. `startHub` wires the planes
 * together; `close` takes them down in the reverse order, flushing every pending write.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { casesNamespace } from '@caseroom/shared';
import { Server as SocketServer } from 'socket.io';
import { WebSocketServer } from 'ws';
import { ApprovalBook } from './approvals/ApprovalBook.js';
import { DocumentWatcher } from './events/DocumentWatcher.js';
import { EventLog } from './events/EventLog.js';
import { WebhookDispatcher } from './events/WebhookDispatcher.js';
import { WebhookRegistry } from './events/WebhookRegistry.js';
import { WebhookTargets, type HostResolver } from './events/WebhookTargets.js';
import { CaseDirectory } from './cases/CaseDirectory.js';
import { ClusterRelay } from './cluster/ClusterRelay.js';
import { connectCluster, connectPresence } from './cluster/connectCluster.js';
import type { HubConfig } from './config.js';
import { createHttpApp } from './http/app.js';
import { refuseUnparsable } from './http/rawRefusal.js';
import { CaseHub, type CaseNamespace } from './hub/CaseHub.js';
import { coalesceWrites } from './hub/CoalescedWrites.js';
import { engineShapeProblems } from './hub/engineConnection.js';
import { socketAuth } from './hub/socketAuth.js';
import { YWebsocketEndpoint } from './hub/YWebsocketEndpoint.js';
import { Access } from './identity/Access.js';
import { Revocations } from './identity/Revocations.js';
import { Tokens } from './identity/Tokens.js';
import { createLogger, type Logger } from './logger.js';
import { HubMetrics } from './metrics/HubMetrics.js';
import { sanitizeAwareness } from './people/awarenessPolicy.js';
import { CaseOwners } from './people/CaseOwners.js';
import { Roster } from './people/Roster.js';
import { CaseDocuments } from './rooms/CaseDocuments.js';
import { CaseRooms } from './rooms/CaseRooms.js';
import type { CaseStore } from './store/CaseStore.js';
import { createStore } from './store/createStore.js';

const socketIoPath = '/socket.io/';

export interface Hub {
  /** http://host:port the hub listens on */
  readonly url: string;
  readonly port: number;
  readonly log: Logger;
  readonly store: CaseStore;
  readonly rooms: CaseRooms;
  readonly roster: Roster;
  readonly approvals: ApprovalBook;
  readonly events: EventLog;
  readonly webhooks: WebhookRegistry;
  readonly tokens: Tokens;
  /** the Socket.IO server (its `/cases` namespace is the hub's; an embedding app may add its own) */
  readonly io: SocketServer;
  /** Stops accepting, disconnects everyone, flushes pending writes, closes the store. */
  close(): Promise<void>;
}

export interface HubParts {
  log?: Logger;
  store?: CaseStore;
  /** how webhook deliveries resolve host names; the system resolver unless given */
  resolveHost?: HostResolver;
}

export async function startHub(config: HubConfig, parts: HubParts = {}): Promise<Hub> {
  const log = parts.log ?? createLogger(config.logLevel);
  const store = parts.store ?? (await createStore(config, log));
  const tokens = new Tokens(config.jwt, log);
  const cluster = await connectCluster(config, log);
  const access = new Access(tokens, await Revocations.load(store, cluster.bus, log));
  const events = new EventLog(store, log, cluster.bus);
  const cases = new CaseDirectory(store, events);
  // Gauges read their sources at scrape time; the transports they count are created below.
  let connections = (): { 'socket.io': number; 'y-websocket': number } => ({ 'socket.io': 0, 'y-websocket': 0 });
  const metrics: HubMetrics = new HubMetrics({
    connections: () => connections(),
    openCases: (): number => rooms.size,
    store: { kind: store.kind, ping: () => store.ping() },
    clusterBusUp: cluster.bus.connected === null ? undefined : () => cluster.bus.connected === true,
  });
  const rooms = new CaseRooms({
    metrics,
    store,
    log,
    graceMs: config.roomGraceMs,
    snapshotEvery: config.snapshotEvery,
    maxDocumentBytes: config.limits.maxDocumentBytes,
    checkDocuments: config.checkDocuments,
    filterAwareness: (state, from) => sanitizeAwareness(state, from.identity),
    catchUpAfterLoad: config.redis !== null,
    relayIntervalMs: config.relayIntervalMs,
  });
  rooms.addPeerRelay(new ClusterRelay(cluster.bus, rooms));
  // The people plane announces through the Socket.IO hub, which is created below.
  let caseHub: CaseHub | undefined;
  const roster = new Roster({
    graceMs: config.presenceGraceMs,
    announce: (caseId, update) => {
      presence.localChanged(caseId, update);
      const { kind, userId } = update.change;
      const member = update.members.find((m) => m.userId === userId) ?? null;
      if (kind === 'joined' && member) events.recordQuietly(caseId, 'member.joined', member, { userId, role: member.role });
      if (kind === 'left') events.recordQuietly(caseId, 'member.left', null, { userId });
    },
  });
  const presence = await connectPresence(config, cluster.bus, log, {
    localMembers: (caseId) => roster.members(caseId),
    announce: (caseId, update) => caseHub?.announceRoster(caseId, update),
    hasRoom: (caseId) => rooms.get(caseId) !== undefined,
  });
  rooms.on('entered', (caseId, connection) => roster.enter(caseId, connection.identity, connection.id));
  rooms.on('left', (caseId, connection) => roster.leave(caseId, connection.identity.userId, connection.id));
  const owners = new CaseOwners({
    store,
    events,
    log,
    announce: (caseId, update) => {
      metrics.ownershipChanged(update.change.kind);
      caseHub?.announceOwner(caseId, update);
    },
  });
  const approvals = new ApprovalBook({ store, events, cases, log, ...config.approvals });
  const watchers = new Map<string, DocumentWatcher>();
  rooms.on('loaded', (caseId) => {
    const room = rooms.get(caseId);
    // Watching needs the built document; a room that is only read never builds it.
    room?.whenBuilt(() => {
      if (rooms.get(caseId) === room) watchers.set(caseId, new DocumentWatcher(room, events, config.notesDebounceMs));
    });
  });
  rooms.on('unloading', (room) => {
    watchers.get(room.caseId)?.close();
    watchers.delete(room.caseId);
  });
  approvals.on('changed', (update) => {
    metrics.approvalChanged(update.change.kind);
    caseHub?.announceApproval(update);
  });
  const { allowPrivateTargets, ...delivery } = config.webhooks;
  const targets = new WebhookTargets({ allowPrivate: allowPrivateTargets, resolve: parts.resolveHost });
  if (allowPrivateTargets) log.warn('CASEROOM_WEBHOOK_ALLOW_PRIVATE is on: webhooks may reach this host and its private network');
  const dispatcher = new WebhookDispatcher({ store: store.webhooks, events, log, targets, ...delivery });
  const webhooks = new WebhookRegistry(store.webhooks, dispatcher, targets, log);
  let accepting = true;

  const app = createHttpApp({
    cases,
    documents: new CaseDocuments(rooms, events),
    owners,
    approvals,
    events,
    webhooks,
    store,
    tokens,
    access,
    log,
    devLogin: config.devLogin,
    adminToken: config.adminToken,
    isAccepting: () => accepting,
    metrics: { contentType: metrics.contentType, scrape: () => metrics.scrape(), token: config.metricsToken },
  });
  const httpServer: HttpServer = createServer(app);

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
    ...(cluster.adapter ? { adapter: cluster.adapter } : {}),
  });
  // Each Socket.IO message leaves in one write, not one per packet (see hub/CoalescedWrites.ts),
  // on connections that have the engine.io members it reaches; others run as engine.io made them.
  let shapeReported = false;
  io.engine.on('connection', (conn: unknown) => {
    const problems = engineShapeProblems(conn);
    if (problems.length === 0) return coalesceWrites(conn);
    metrics.engineShapeMismatch();
    if (!shapeReported) log.warn({ missing: problems }, 'engine.io connections lack members the hub reaches; writes are not coalesced');
    shapeReported = true;
  });
  const nsp = io.of(casesNamespace) as CaseNamespace;
  const { messagesPerSecond, bytesPerSecond, burstSeconds } = config.limits;
  const rateLimits = { messagesPerSecond, bytesPerSecond, burstSeconds, maxMessageBytes: config.maxMessageBytes };
  nsp.use(socketAuth(access, log));
  const hubOfCases = new CaseHub(nsp, {
    rooms,
    cases,
    roster,
    presence,
    owners,
    approvals,
    events,
    log,
    maxMessageBytes: config.maxMessageBytes,
    rateLimits,
    maxCasesPerSocket: config.limits.maxCasesPerSocket,
    maxSendBacklogBytes: config.limits.maxSendBacklogBytes,
    metrics,
    access,
    tokenGraceMs: config.tokenGraceMs,
    rememberPerson: (who) => store.rememberPerson(who, new Date().toISOString()),
  });
  caseHub = hubOfCases;
  rooms.addRelay(hubOfCases);

  const yws = new YWebsocketEndpoint({
    rooms,
    cases,
    access,
    log,
    maxMessageBytes: config.maxMessageBytes,
    rateLimits,
    maxSendBacklogBytes: config.limits.maxSendBacklogBytes,
    metrics,
  });
  connections = () => ({ 'socket.io': nsp.sockets.size, 'y-websocket': yws.connectionCount });
  rooms.addRelay(yws);
  // A revoked person's connections close on every node; their tokens are refused from now on.
  access.revocations.onRevoked((userId) => {
    hubOfCases.closePerson(userId);
    yws.closePerson(userId);
  });
  // WebSockets leave the HTTP server's bookkeeping once upgraded; shutdown needs them to cut off stragglers.
  const upgraded = new Set<Duplex>();
  // One listener shared by every socket, not a closure (and a `once` wrapper) per connection.
  function forgetUpgraded(this: Duplex): void {
    upgraded.delete(this);
  }
  // What Node's parser throws out (headers over its limit, not HTTP at all) gets a JSON refusal too.
  httpServer.on('clientError', refuseUnparsable);
  httpServer.on('upgrade', (req, socket, head) => {
    upgraded.add(socket);
    socket.on('close', forgetUpgraded);
    if (yws.handleUpgrade(req, socket, head)) return;
    if (!req.url?.startsWith(socketIoPath)) socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  approvals.start();
  // One node delivers webhooks; in a cluster it re-reads the list, since others register them too.
  let webhookSync: NodeJS.Timeout | undefined;
  cluster.webhookLease.start((held) => {
    clearInterval(webhookSync);
    if (!held) return void dispatcher.stop();
    void dispatcher.start().catch((err: unknown) => log.error({ err }, 'starting webhook delivery failed'));
    if (config.redis) {
      webhookSync = setInterval(() => void dispatcher.sync().catch(() => undefined), 5_000);
      webhookSync.unref();
    }
  });
  const { port } = httpServer.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      accepting = false;
      log.info('hub stopping');
      approvals.stop();
      // Aborts attempts under way; their events go out again after a restart (at-least-once).
      clearInterval(webhookSync);
      await cluster.webhookLease.stop();
      await dispatcher.stop();
      // Clients are told, then their connections close; they reconnect (elsewhere, behind a
      // balancer). A client that does not finish its closing handshake in time is cut off.
      const graceMs = Math.min(2_000, config.shutdownTimeoutMs / 4);
      hubOfCases.announceShutdown();
      const socketsClosed = new Promise<void>((resolve) => io.close(() => resolve()));
      const cutOff = setTimeout(() => {
        for (const socket of upgraded) socket.destroy();
        httpServer.closeAllConnections();
      }, graceMs);
      await Promise.all([yws.close(graceMs), socketsClosed]);
      clearTimeout(cutOff);
      httpServer.closeAllConnections();
      // Every update applied so far is written before the store closes.
      await rooms.closeAll();
      roster.clear();
      await presence.stop();
      await events.drain();
      await cluster.close();
      await store.close();
      log.info('hub stopped');
    })());

  return { url, port, log, store, rooms, roster, approvals, events, webhooks, tokens, io, close };
}
