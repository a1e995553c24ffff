/**
 * How each plane of the hub is made: its services built from the configuration and from what the
 * planes below it already hold. No plane knows the transports; what a plane changes it announces
 * on the domain changes, where the transports, the metrics and the cluster listen.
 */
import { ClusterRelay } from '../cluster/ClusterRelay.js';
import { connectPresence, type Cluster } from '../cluster/connectCluster.js';
import type { HubConfig } from '../config.js';
import type { DomainChanges } from '../DomainChanges.js';
import { watchDocuments } from '../events/DocumentWatcher.js';
import { EventLog } from '../events/EventLog.js';
import { LogRetention } from '../events/LogRetention.js';
import { OverdueSteps } from '../events/OverdueSteps.js';
import { WebhookDelivery } from '../events/WebhookDelivery.js';
import { WebhookDispatcher } from '../events/WebhookDispatcher.js';
import { WebhookRegistry } from '../events/WebhookRegistry.js';
import { WebhookTargets, type HostResolver } from '../events/WebhookTargets.js';
import { Access } from '../identity/Access.js';
import { Revocations } from '../identity/Revocations.js';
import { Tokens } from '../identity/Tokens.js';
import type { Logger } from '../logger.js';
import type { HubMetrics } from '../metrics/HubMetrics.js';
import { sanitizeAwareness } from '../people/awarenessPolicy.js';
import { CaseOwners } from '../people/CaseOwners.js';
import { recordMemberEvents } from '../people/memberEvents.js';
import type { Presence } from '../people/Presence.js';
import { Roster } from '../people/Roster.js';
import { CaseRooms } from '../rooms/CaseRooms.js';
import type { CaseStore } from '../store/CaseStore.js';

/** What every plane may build on: the store, the domain changes, the cluster, logs and metrics. */
export interface Ground {
  log: Logger;
  store: CaseStore;
  changes: DomainChanges;
  cluster: Cluster;
  metrics: HubMetrics;
}

export interface IdentityPlane {
  tokens: Tokens;
  access: Access;
}

/** Tokens, and who may no longer use theirs. */
export async function identityPlane(config: HubConfig, { store, changes, log }: Ground): Promise<IdentityPlane> {
  const tokens = new Tokens(config.jwt, log);
  return { tokens, access: new Access(tokens, await Revocations.load(store, changes, log)) };
}

/** The live case documents on this node, kept in step with the other nodes' copies. */
export function roomsPlane(config: HubConfig, { store, cluster, metrics, log }: Ground): CaseRooms {
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
  metrics.countOpenCases(() => rooms.size);
  return rooms;
}

export interface EventsPlane {
  events: EventLog;
  webhooks: WebhookRegistry;
  delivery: WebhookDelivery;
  overdue: OverdueSteps;
  retention: LogRetention;
}

/**
 * The case event log, what writes the documents' edits (and the steps' deadlines) into it,
 * delivery to webhooks, and the retention of both logs.
 */
export function eventsPlane(
  config: HubConfig,
  { store, changes, cluster, metrics, log }: Ground,
  rooms: CaseRooms,
  resolveHost: HostResolver | undefined,
): EventsPlane {
  const events = new EventLog(store, log, changes);
  const overdue = new OverdueSteps({ store, rooms, changes, log });
  watchDocuments(rooms, events, overdue, config.notesDebounceMs);
  const { allowPrivateTargets, ...retries } = config.webhooks;
  const targets = new WebhookTargets({ allowPrivate: allowPrivateTargets, resolve: resolveHost });
  if (allowPrivateTargets) log.warn('CASEROOM_WEBHOOK_ALLOW_PRIVATE is on: webhooks may reach this host and its private network');
  const dispatcher = new WebhookDispatcher({
    store: store.webhooks,
    events,
    log,
    targets,
    eventRetentionMs: config.retention.eventsMs,
    ...retries,
  });
  return {
    events,
    webhooks: new WebhookRegistry(store.webhooks, dispatcher, targets, log),
    delivery: new WebhookDelivery(dispatcher, cluster.webhookLease, config.redis !== null, log),
    overdue,
    retention: new LogRetention({ store, metrics, log, ...config.retention }),
  };
}

export interface PeoplePlane {
  roster: Roster;
  presence: Presence;
  owners: CaseOwners;
}

/** Who is in each case room (on this node, and on all of them) and who owns each case. */
export async function peoplePlane(
  config: HubConfig,
  { store, changes, cluster, log }: Ground,
  rooms: CaseRooms,
  events: EventLog,
): Promise<PeoplePlane> {
  const roster = new Roster({ graceMs: config.presenceGraceMs, changes });
  rooms.on('entered', (caseId, connection) => roster.enter(caseId, connection.identity, connection.id));
  rooms.on('left', (caseId, connection) => roster.leave(caseId, connection.identity.userId, connection.id));
  const presence = await connectPresence(config, {
    bus: cluster.bus,
    changes,
    log,
    localMembers: (caseId) => roster.members(caseId),
    hasRoom: (caseId) => rooms.get(caseId) !== undefined,
  });
  recordMemberEvents(changes, events);
  return { roster, presence, owners: new CaseOwners({ store, changes, log }) };
}
