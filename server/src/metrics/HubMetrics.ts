/**
 * The hub's Prometheus metrics, served at `/metrics`. Each hub has its own registry (several hubs
 * in one process, as in tests, never collide). Counters and histograms are fed by the rooms and
 * the transports, and by the domain changes announced; gauges are read from their sources when
 * scraped, each source counted from when it exists (`countConnections`, `countOpenCases`).
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DomainChanges } from '../DomainChanges.js';
import type { RoomConnection, RoomMetrics } from '../rooms/RoomConnection.js';

type Transport = RoomConnection['transport'];
/** the transports that hold connections open (an HTTP request is no connection) */
type ConnectedTransport = Exclude<Transport, 'http'>;

export interface MetricSources {
  /** the store kind (`sqlite`, `redis`) and a ping that rejects when it does not answer */
  store: { kind: string; ping: () => Promise<unknown> };
  /** cluster mode only: whether the Redis connections between nodes are up */
  clusterBusUp?: (() => boolean) | undefined;
}

/** A live bot subscription's delay: seconds since the oldest event it has been handed but not taken. */
export type SubscriptionLag = () => number;

const latencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export class HubMetrics implements RoomMetrics {
  readonly registry = new Registry();
  private readonly updatesReceived: Counter<'transport'>;
  private readonly updatesRelayed: Counter<'source'>;
  private readonly refused: Counter<'transport' | 'code'>;
  private readonly slowConsumers: Counter<'transport'>;
  private readonly readerFailures: Counter<'reader'>;
  private readonly engineMismatches: Counter;
  private readonly subscriptionReads: Counter;
  private readonly trimmedRecords: Counter<'log'>;
  private readonly storeWrite: Histogram;
  private readonly fanOut: Histogram;
  private readonly ownership: Counter<'kind'>;
  private readonly approvals: Counter<'kind'>;
  private readonly messages: Counter<'direction' | 'kind' | 'channel'>;
  private readonly subscriptions = new Map<string, { userId: string; lag: SubscriptionLag }>();
  private readonly connectionCounts = new Map<ConnectedTransport, () => number>();

  constructor(sources: MetricSources, changes: DomainChanges) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'caseroom_' });
    const connectionCounts = this.connectionCounts;
    new Gauge({
      name: 'caseroom_connections',
      help: 'Open client connections on this node, by transport',
      labelNames: ['transport'],
      registers,
      collect() {
        for (const [transport, count] of connectionCounts) this.set({ transport }, count());
      },
    });
    new Gauge({
      name: 'caseroom_store_up',
      help: 'Whether the store (SQLite, or Redis in cluster mode) answered a ping during this scrape',
      labelNames: ['store'],
      registers,
      async collect() {
        const up = await sources.store.ping().then(
          () => 1,
          () => 0,
        );
        this.set({ store: sources.store.kind }, up);
      },
    });
    const { clusterBusUp } = sources;
    if (clusterBusUp) {
      new Gauge({
        name: 'caseroom_cluster_bus_up',
        help: 'Cluster mode: whether this node is connected to the Redis bus between nodes',
        registers,
        collect() {
          this.set(clusterBusUp() ? 1 : 0);
        },
      });
    }
    const subscriptions = this.subscriptions;
    new Gauge({
      name: 'caseroom_event_subscription_lag_seconds',
      help: 'Per live bot subscription: age of the oldest event handed over but not yet taken (0 when caught up)',
      labelNames: ['subscription', 'user'],
      registers,
      collect() {
        this.reset();
        for (const [subscription, { userId, lag }] of subscriptions) this.set({ subscription, user: userId }, lag());
      },
    });
    this.updatesReceived = new Counter({
      name: 'caseroom_updates_received_total',
      help: 'Document updates received from clients, by transport',
      labelNames: ['transport'],
      registers,
    });
    this.subscriptionReads = new Counter({
      name: 'caseroom_event_subscription_reads_total',
      help: "Reads of the event log made by this node's bot subscriptions (each wake of a subscription reads at least once)",
      registers,
    });
    this.trimmedRecords = new Counter({
      name: 'caseroom_retention_trimmed_total',
      help: 'Records removed by the retention pass on this node, by log (events, deliveries)',
      labelNames: ['log'],
      registers,
    });
    this.updatesRelayed = new Counter({
      name: 'caseroom_updates_relayed_total',
      help: "Document updates relayed to this node's connections, by where they came from (local client, or peer node)",
      labelNames: ['source'],
      registers,
    });
    this.refused = new Counter({
      name: 'caseroom_refused_messages_total',
      help: 'Client messages refused (limits, malformed input, permissions, ...), by transport and error code',
      labelNames: ['transport', 'code'],
      registers,
    });
    this.slowConsumers = new Counter({
      name: 'caseroom_slow_consumers_dropped_total',
      help: 'Connections dropped because their unsent backlog passed CASEROOM_MAX_SEND_BACKLOG_BYTES',
      labelNames: ['transport'],
      registers,
    });
    this.readerFailures = new Counter({
      name: 'caseroom_document_reader_failures_total',
      help: 'Listeners on a case document (event watchers, relays) that threw; the room went on storing and relaying',
      labelNames: ['reader'],
      registers,
    });
    this.engineMismatches = new Counter({
      name: 'caseroom_engine_shape_mismatches_total',
      help: 'Socket.IO connections whose engine.io internals did not have the shape the hub reaches (their writes are not coalesced)',
      registers,
    });
    this.storeWrite = new Histogram({
      name: 'caseroom_store_write_seconds',
      help: 'Time to make one document update durable in the store',
      buckets: latencyBuckets,
      registers,
    });
    this.fanOut = new Histogram({
      name: 'caseroom_fanout_seconds',
      help: "Time from applying a document update on this node to handing it to the node's Socket.IO connections",
      buckets: latencyBuckets,
      registers,
    });
    this.ownership = new Counter({
      name: 'caseroom_ownership_changes_total',
      help: 'Ownership changes (claim, offer, accept, decline, reassign, release), by kind',
      labelNames: ['kind'],
      registers,
    });
    this.approvals = new Counter({
      name: 'caseroom_approval_changes_total',
      help: 'Peer-approval changes (requested, approved, rejected, expired, ...), by kind',
      labelNames: ['kind'],
      registers,
    });
    this.messages = new Counter({
      name: 'caseroom_conversation_messages_total',
      help: 'Messages stored in case conversations, by direction (in from customers, out to them), kind and channel',
      labelNames: ['direction', 'kind', 'channel'],
      registers,
    });
    changes.on('message', ({ message }) =>
      this.messages.inc({ direction: message.direction, kind: message.kind, channel: message.channel }),
    );
    changes.on('owner', ({ update }) => this.ownership.inc({ kind: update.change.kind }));
    changes.on('approval', ({ update }) => this.approvals.inc({ kind: update.change.kind }));
  }

  /** Reports a transport's open connections on this node at each scrape. */
  countConnections(transport: ConnectedTransport, count: () => number): void {
    this.connectionCounts.set(transport, count);
  }

  /** Reports the case rooms loaded on this node at each scrape. */
  countOpenCases(count: () => number): void {
    new Gauge({
      name: 'caseroom_open_cases',
      help: 'Case documents loaded in memory on this node',
      registers: [this.registry],
      collect() {
        this.set(count());
      },
    });
  }

  updateReceived(transport: Transport): void {
    this.updatesReceived.inc({ transport });
  }

  /** A client message refused, by its error code (limits, malformed input, permissions). */
  messageRefused(transport: Transport, code: string): void {
    this.refused.inc({ transport, code });
  }

  updateStored(seconds: number): void {
    this.storeWrite.observe(seconds);
  }

  updateRelayed(source: 'local' | 'peer'): void {
    this.updatesRelayed.inc({ source });
  }

  /** An update reached this node's Socket.IO connections `seconds` after it was applied here. */
  updateFannedOut(seconds: number): void {
    this.fanOut.observe(seconds);
  }

  engineShapeMismatch(): void {
    this.engineMismatches.inc();
  }

  readerFailed(reader: string): void {
    this.readerFailures.inc({ reader });
  }

  slowConsumerDropped(transport: Transport): void {
    this.slowConsumers.inc({ transport });
  }

  /** A bot subscription read the event log after its cursor. */
  subscriptionRead(): void {
    this.subscriptionReads.inc();
  }

  /** The retention pass removed `count` records of a log. */
  trimmed(log: 'events' | 'deliveries', count: number): void {
    this.trimmedRecords.inc({ log }, count);
  }

  /** Reports a bot subscription's lag while it lives; call the returned function when it stops. */
  watchSubscription(subscriptionId: string, userId: string, lag: SubscriptionLag): () => void {
    this.subscriptions.set(subscriptionId, { userId, lag });
    return () => this.subscriptions.delete(subscriptionId);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text for a scrape. */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }
}
