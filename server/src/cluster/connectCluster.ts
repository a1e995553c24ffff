/**
 * The parts that differ between embedded and cluster mode above the store: the bus between hub
 * nodes, the Socket.IO adapter that lets a room broadcast reach sockets on every node, the lease
 * of the one node that delivers webhooks, and the roster across nodes.
 */
import type { RosterMember } from '@caseroom/shared';
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient, type RedisClientType } from 'redis';
import type { DomainChanges } from '../DomainChanges.js';
import type { Logger } from '../logger.js';
import { LocalPresence, type Presence } from '../people/Presence.js';
import { LocalBus, type ClusterBus } from './ClusterBus.js';
import { RedisLease, SoleLease, type Lease } from './Lease.js';
import { RedisBus } from './RedisBus.js';
import { RedisPresence } from './RedisPresence.js';

/** How long the webhook lease outlives a silent holder before another node takes over. */
const leaseTtlMs = 10_000;

/** What the cluster needs of the hub's configuration (HubConfig has it). */
export interface ClusterConfig {
  nodeId: string;
  /** null: embedded mode, one node */
  redis: { url: string; prefix: string } | null;
  /** how long a node's presence heartbeat lives */
  presenceHeartbeatMs: number;
}

export interface Cluster {
  bus: ClusterBus;
  /** the Socket.IO adapter factory for cluster mode; undefined keeps the in-memory adapter */
  adapter: ReturnType<typeof createAdapter> | undefined;
  /** held by the one node that delivers webhooks */
  webhookLease: Lease;
  close(): Promise<void>;
}

export async function connectCluster(config: ClusterConfig, log: Logger): Promise<Cluster> {
  if (!config.redis)
    return { bus: new LocalBus(config.nodeId), adapter: undefined, webhookLease: new SoleLease(), close: async () => undefined };
  const { url, prefix } = config.redis;
  const bus = await RedisBus.connect({ url, prefix, nodeId: config.nodeId, log });
  const pub = createClient({ url });
  const sub = pub.duplicate();
  for (const client of [pub, sub]) client.on('error', (err: unknown) => log.warn({ err }, 'socket.io adapter: redis error'));
  await Promise.all([pub.connect(), sub.connect()]);
  const webhookLease = new RedisLease(pub as RedisClientType, `${prefix}lease:webhooks`, config.nodeId, leaseTtlMs, log);
  return {
    bus,
    adapter: createAdapter(pub, sub, { key: `${prefix}socket.io` }),
    webhookLease,
    async close() {
      await webhookLease.stop();
      await bus.close();
      await Promise.allSettled([pub.quit(), sub.quit()]);
    },
  };
}

export interface PresenceParts {
  bus: ClusterBus;
  changes: DomainChanges;
  log: Logger;
  /** this node's own members of a case */
  localMembers: (caseId: string) => RosterMember[];
  /** whether this node has the case room open (only then does it announce the case's roster) */
  hasRoom: (caseId: string) => boolean;
}

/** The roster across nodes: this node's own in embedded mode, the union of live nodes' in a cluster. */
export async function connectPresence(config: ClusterConfig, parts: PresenceParts): Promise<Presence> {
  if (!config.redis) return new LocalPresence(parts.localMembers, parts.changes);
  return RedisPresence.connect({ ...config.redis, ...parts, heartbeatTtlMs: config.presenceHeartbeatMs });
}
