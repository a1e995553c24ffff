/**
 * The roster across hub nodes. Each node writes its own members of a case into a Redis hash
 * (one field per node) and keeps a heartbeat key alive; the room's roster is the union of the
 * fields of live nodes. A node that dies stops its heartbeat, and within the heartbeat's lifetime
 * plus one sweep another node removes its entries, so its people leave every roster. Ownership is
 * not presence and is untouched.
 *
 *   {prefix}presence:{caseId}   hash  nodeId -> JSON RosterMember[] (that node's members)
 *   {prefix}node:{nodeId}       string, expires: the node's heartbeat
 *   {prefix}node:{nodeId}:cases set   cases the node has written presence for
 *   {prefix}nodes               set   nodes that have written presence
 */
import type { RosterChangeKind, RosterMember, RosterUpdate } from '@caseroom/shared';
import { createClient, type RedisClientType } from 'redis';
import type { DomainChanges } from '../DomainChanges.js';
import type { Logger } from '../logger.js';
import { mergeRosters, type Presence } from '../people/Presence.js';
import type { ClusterBus } from './ClusterBus.js';

export interface RedisPresenceOptions {
  url: string;
  prefix: string;
  bus: ClusterBus;
  log: Logger;
  /** how long a node's heartbeat lives; its people leave the rosters within about this long after it dies */
  heartbeatTtlMs: number;
  /** where this node's roster changes come from, and the merged roster's changes go */
  changes: DomainChanges;
  /** whether this node has anyone in the case room (only then does it announce) */
  hasRoom: (caseId: string) => boolean;
  /** this node's own members of a case, always fresher than what it last wrote */
  localMembers: (caseId: string) => RosterMember[];
}

export class RedisPresence implements Presence {
  private readonly nodeId: string;
  /** the roster this node last announced per case, to tell what changed */
  private readonly lastSeen = new Map<string, RosterMember[]>();
  private readonly refreshing = new Map<string, { again: boolean }>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly stopListening: () => void;

  private constructor(
    private readonly redis: RedisClientType,
    private readonly options: RedisPresenceOptions,
  ) {
    this.nodeId = options.bus.nodeId;
    options.bus.onMessage((message) => {
      if (message.kind === 'roster') this.refresh(message.caseId);
    });
    this.stopListening = options.changes.on('localRoster', ({ caseId, update }) => this.localChanged(caseId, update));
    this.heartbeat = setInterval(() => void this.beat(), Math.max(100, Math.floor(options.heartbeatTtlMs / 3)));
    this.heartbeat.unref();
  }

  static async connect(options: RedisPresenceOptions): Promise<RedisPresence> {
    const redis = createClient({ url: options.url }) as RedisClientType;
    redis.on('error', (err: unknown) => options.log.warn({ err }, 'presence: redis error'));
    await redis.connect();
    const presence = new RedisPresence(redis, options);
    await presence.beat();
    return presence;
  }

  async members(caseId: string): Promise<RosterMember[]> {
    const fields = await this.redis.hGetAll(this.key(`presence:${caseId}`));
    const others = Object.keys(fields).filter((node) => node !== this.nodeId);
    const alive = others.length > 0 ? await this.redis.mGet(others.map((node) => this.key(`node:${node}`))) : [];
    const rosters = others.filter((_, i) => alive[i] !== null).map((node) => JSON.parse(fields[node]!) as RosterMember[]);
    return mergeRosters([...rosters, this.options.localMembers(caseId)]);
  }

  /** Writes this node's members of a case, then tells the other nodes to read the roster again. */
  private localChanged(caseId: string, update: RosterUpdate): void {
    const key = this.key(`presence:${caseId}`);
    const write =
      update.members.length > 0
        ? this.redis
            .multi()
            .hSet(key, this.nodeId, JSON.stringify(update.members))
            .sAdd(this.key(`node:${this.nodeId}:cases`), caseId)
            .sAdd(this.key('nodes'), this.nodeId)
            .exec()
        : this.redis
            .multi()
            .hDel(key, this.nodeId)
            .sRem(this.key(`node:${this.nodeId}:cases`), caseId)
            .exec();
    write.then(
      () => {
        this.options.bus.publish({ kind: 'roster', caseId });
        this.refresh(caseId);
      },
      (err: unknown) => this.options.log.warn({ err, caseId }, 'presence: writing this node’s roster failed'),
    );
  }

  async stop(): Promise<void> {
    this.stopListening();
    clearInterval(this.heartbeat);
    // Leave cleanly: our people are gone from every roster now, not after the heartbeat expires.
    try {
      await this.removeNode(this.nodeId);
    } catch (err) {
      this.options.log.warn({ err }, 'presence: removing this node failed');
    }
    await this.redis.quit().catch(() => undefined);
  }

  /** Re-reads a case's roster and tells this node's sockets what changed. Runs one at a time per case. */
  private refresh(caseId: string): void {
    if (!this.options.hasRoom(caseId)) {
      this.lastSeen.delete(caseId);
      return;
    }
    const running = this.refreshing.get(caseId);
    if (running) {
      running.again = true;
      return;
    }
    const state = { again: false };
    this.refreshing.set(caseId, state);
    void (async () => {
      try {
        do {
          state.again = false;
          const members = await this.members(caseId);
          const change = changeBetween(this.lastSeen.get(caseId) ?? [], members);
          this.lastSeen.set(caseId, members);
          if (change) this.options.changes.announce({ kind: 'roster', caseId, update: { members, change } });
        } while (state.again);
      } catch (err) {
        this.options.log.warn({ err, caseId }, 'presence: reading the roster failed');
      } finally {
        this.refreshing.delete(caseId);
      }
    })();
  }

  private async beat(): Promise<void> {
    try {
      await this.redis.set(this.key(`node:${this.nodeId}`), String(Date.now()), { PX: this.options.heartbeatTtlMs });
      await this.sweepDeadNodes();
    } catch (err) {
      this.options.log.warn({ err }, 'presence: heartbeat failed');
    }
  }

  private async sweepDeadNodes(): Promise<void> {
    const nodes = (await this.redis.sMembers(this.key('nodes'))).filter((node) => node !== this.nodeId);
    if (nodes.length === 0) return;
    const alive = await this.redis.mGet(nodes.map((node) => this.key(`node:${node}`)));
    for (const [i, node] of nodes.entries()) {
      if (alive[i] === null) {
        this.options.log.info({ node }, 'presence: a hub node stopped beating; removing its people from the rosters');
        await this.removeNode(node);
      }
    }
  }

  private async removeNode(node: string): Promise<void> {
    const cases = await this.redis.sMembers(this.key(`node:${node}:cases`));
    const tx = this.redis.multi();
    for (const caseId of cases) tx.hDel(this.key(`presence:${caseId}`), node);
    tx.del(this.key(`node:${node}:cases`)).sRem(this.key('nodes'), node);
    if (node === this.nodeId) tx.del(this.key(`node:${node}`));
    await tx.exec();
    for (const caseId of cases) {
      this.options.bus.publish({ kind: 'roster', caseId });
      this.refresh(caseId);
    }
  }

  private key(suffix: string): string {
    return `${this.options.prefix}${suffix}`;
  }
}

/** The first difference between two rosters, as a roster change; null when they are the same. */
function changeBetween(before: RosterMember[], after: RosterMember[]): { kind: RosterChangeKind; userId: string } | null {
  const old = new Map(before.map((m) => [m.userId, m]));
  for (const member of after) {
    const was = old.get(member.userId);
    if (!was) return { kind: 'joined', userId: member.userId };
    if (was.connections !== member.connections || was.status !== member.status) return { kind: 'updated', userId: member.userId };
    old.delete(member.userId);
  }
  const gone = old.keys().next();
  return gone.done ? null : { kind: 'left', userId: gone.value };
}
