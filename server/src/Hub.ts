/**
 * The hub: one HTTP server carrying the REST API, the `/cases` Socket.IO namespace and the
 * y-websocket endpoint, all over the same case rooms and store. `startHub` builds the planes in
 * the order they depend on each other, attaches the transports over them, then starts the running
 * parts as one lifecycle; `close` stops them in the reverse order, flushing every pending write.
 */
import type { Server as SocketServer } from 'socket.io';
import { ApprovalBook } from './approvals/ApprovalBook.js';
import { Lifecycle } from './assembly/Lifecycle.js';
import { eventsPlane, identityPlane, peoplePlane, roomsPlane, type Ground } from './assembly/planes.js';
import { attachTransports } from './assembly/transports.js';
import { CaseDirectory } from './cases/CaseDirectory.js';
import { connectCluster } from './cluster/connectCluster.js';
import { CaseConversations } from './conversation/CaseConversations.js';
import { relayChanges } from './cluster/relayChanges.js';
import type { HubConfig } from './config.js';
import { DomainChanges } from './DomainChanges.js';
import type { EventLog } from './events/EventLog.js';
import type { WebhookRegistry } from './events/WebhookRegistry.js';
import type { HostResolver } from './events/WebhookTargets.js';
import type { Tokens } from './identity/Tokens.js';
import { createLogger, type Logger } from './logger.js';
import { HubMetrics } from './metrics/HubMetrics.js';
import type { Roster } from './people/Roster.js';
import type { CaseRooms } from './rooms/CaseRooms.js';
import type { CaseStore } from './store/CaseStore.js';
import { createStore } from './store/createStore.js';

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
  /** what the planes announce: ownership, rosters, approvals, overdue steps, case status, stored events, revocations */
  readonly changes: DomainChanges;
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
  const changes = new DomainChanges(log);
  const cluster = await connectCluster(config, log);
  const metrics = new HubMetrics(
    { store, clusterBusUp: cluster.bus.connected === null ? undefined : () => cluster.bus.connected === true },
    changes,
  );
  const ground: Ground = { log, store, changes, cluster, metrics };

  // The planes, each over the ones it needs.
  const { tokens, access } = await identityPlane(config, ground);
  const rooms = roomsPlane(config, ground);
  const { events, webhooks, delivery, overdue, retention } = eventsPlane(config, ground, rooms, parts.resolveHost);
  const cases = new CaseDirectory(store, changes, log);
  const { roster, presence, owners } = await peoplePlane(config, ground, rooms, events);
  const approvals = new ApprovalBook({ store, cases, changes, log, ...config.approvals });
  const conversations = new CaseConversations({ store, cases, owners, presence, changes, log, composingMs: config.composingMs });
  // Stored events and revocations reach the other nodes; theirs come back announced as a peer's.
  relayChanges(cluster.bus, changes, access.revocations, log);

  // The ways in, over the planes.
  const lifecycle = new Lifecycle(log);
  const planes = { tokens, access, rooms, events, webhooks, cases, roster, presence, owners, approvals, conversations };
  const transports = attachTransports(config, ground, planes, () => lifecycle.running);

  // Started in this order and stopped in the reverse one: this list is the shutdown sequence.
  await lifecycle.start([
    { name: 'store', stop: () => store.close() },
    { name: 'cluster', stop: () => cluster.close() },
    // Waits for the events being recorded (a notes summary of an unloaded room, members leaving).
    { name: 'event log', stop: () => events.drain() },
    { name: 'presence', stop: () => presence.stop() },
    { name: 'roster', stop: () => roster.clear() },
    // Every update applied so far is written before the store closes.
    { name: 'rooms', stop: () => rooms.closeAll() },
    { name: 'transports', start: () => transports.listen(), stop: () => transports.close() },
    // One node delivers webhooks; stopping aborts attempts under way (at-least-once: they go out again).
    { name: 'webhook delivery', start: () => delivery.start(), stop: () => delivery.stop() },
    { name: 'approval expiry', start: () => approvals.start(), stop: () => approvals.stop() },
    // Reads the case rooms of the steps falling due: stops (waiting for a sweep under way) before they close.
    { name: 'overdue steps', start: () => overdue.start(), stop: () => overdue.stop() },
    // Every node trims the event and delivery logs: the stores' trims are idempotent.
    { name: 'retention', start: () => retention.start(), stop: () => retention.stop() },
  ]);

  const { url, port } = transports.address();
  const { io } = transports;
  return { url, port, log, store, rooms, roster, approvals, events, webhooks, tokens, changes, io, close: () => lifecycle.stop() };
}
