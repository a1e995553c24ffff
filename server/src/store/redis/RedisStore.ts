/**
 * The cluster store: everything the hub keeps durably, in one Redis that every hub node shares,
 * with the behaviour of the SQLite store; one aggregate per file beside this one. Each write that
 * takes events is one Lua script storing the change and its events together; compare-and-set
 * (ownership epoch, approval version) is decided inside the script, so racing nodes cannot both
 * win. Every command has a deadline (connection.ts). Needs Redis 7.
 *
 * Keys, all under the configured prefix (ids and teams percent-encoded, see RedisKeys.ts):
 * `case:{id}` is a hash (record JSON, status, updatedAt, team, index member) and
 * `cases:all:{status}` / `cases:team:{team}:{status}` are the listing indexes, sorted sets of
 * `createdAt NUL id` read by lexicographic range; `case:{id}:ownership` is a hash (epoch, state
 * JSON) and `case:{id}:ownership:history` a list of JSON lines; `person:{userId}` a hash
 * (identity JSON, seenAt), `people:team:{team}` the set of a team's user ids, and `revocations` a hash (user id -> ms). `approval:{id}` is a hash (record JSON, version, status, reviewed),
 * indexed in `approvals:{case:{id}|team:{team}|all}:{status}:{reviewed|unreviewed}` (members
 * `requestedAt NUL id`), and `approvals:expiries` scores pending requests by expiry time (ms).
 * `cases:waiting:{all|team:{team}}` index the cases whose customer waits (`waitingSince NUL id`,
 * the case hash's `waitingSince`). `case:{id}:messages` maps seq -> message JSON, beside
 * `…:messages:{deliveries|corrections|redactions}` (what changed after) and
 * `…:messages:keys` (idempotency key -> seq), `…:messages:amendments:{seq}` (the seqs of its
 * corrections); `…:messages:inbound` maps a channel (`*`: any) to its newest inbound seq,
 * `case:{id}:floor` the floor JSON, `case:{id}:composing` user id -> composing mark.
 * `deadlines:steps` scores each step that falls due (member: JSON [case id, step id]) by that time (ms).
 * `events` is the stream that gives every event its id and holds its body (the only copy);
 * `events:team:{team}` and `events:case:{id}` are its indexes, streams with an entry under the
 * same id holding only the seq (`s`), `events:case:{id}:ids` maps each per-case seq to its id and
 * `events:case:{id}:seq` is the case's last seq; `events:trimmed` is the id of the last event
 * trimmed. `doc:{id}:updates` is the update log, a stream with ids `0-{seq}` and the bytes in
 * field `u`; `doc:{id}:snapshot` a hash (data, throughSeq). `webhook:{id}` is a hash
 * (record JSON, secret, team, cursor, attempt counter) listed in `webhooks:all` and
 * `webhooks:team:{team}`; `webhook:{id}:deliveries` maps attempt seq -> JSON, indexed by seq in
 * `webhook:{id}:deliveries:{all|delivered|failed|cursor_expired}`; `webhook:{id}:failures` counts
 * the failed attempts kept per event id (trimming a failed record takes it off the count).
 */
import type { Logger } from '../../logger.js';
import type { CaseStore } from '../CaseStore.js';
import { closeRedis, connectRedis, guarded, pingDeadlineMs, type Redis } from './connection.js';
import { RedisApprovals } from './RedisApprovals.js';
import { RedisCases } from './RedisCases.js';
import { RedisConversation } from './RedisConversation.js';
import { RedisDeadlines } from './RedisDeadlines.js';
import { RedisDocuments } from './RedisDocuments.js';
import { RedisEvents } from './RedisEvents.js';
import { RedisKeys } from './RedisKeys.js';
import { RedisOwnership } from './RedisOwnership.js';
import { RedisPeople } from './RedisPeople.js';
import { RedisWebhooks } from './RedisWebhooks.js';

export interface RedisStoreOptions {
  url: string;
  /** starts every key, so several deployments (or test runs) can share one Redis */
  prefix: string;
  log: Logger;
}

export class RedisStore implements CaseStore {
  readonly kind = 'redis';
  readonly events: RedisEvents;
  readonly cases: RedisCases;
  readonly ownership: RedisOwnership;
  readonly approvals: RedisApprovals;
  readonly conversation: RedisConversation;
  readonly deadlines: RedisDeadlines;
  readonly documents: RedisDocuments;
  readonly people: RedisPeople;
  readonly webhooks: RedisWebhooks;

  private constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    const keys = new RedisKeys(prefix);
    this.events = new RedisEvents(redis, keys);
    this.cases = new RedisCases(redis, keys, this.events);
    this.ownership = new RedisOwnership(redis, keys, this.events);
    this.approvals = new RedisApprovals(redis, keys, this.events);
    this.conversation = new RedisConversation(redis, keys, this.events);
    this.deadlines = new RedisDeadlines(redis, keys, this.events);
    this.documents = new RedisDocuments(redis, keys);
    this.people = new RedisPeople(redis, keys, this.events);
    this.webhooks = new RedisWebhooks(redis, keys);
  }

  /** Connects (waiting for Redis to answer, retrying meanwhile) and checks its version. */
  static async connect(options: RedisStoreOptions): Promise<RedisStore> {
    return new RedisStore(await connectRedis(options.url, options.log), options.prefix);
  }

  /** Rejects at once while disconnected, and after `pingDeadlineMs` when Redis does not answer. */
  async ping(): Promise<void> {
    await guarded(this.redis.ping(), pingDeadlineMs);
  }

  /** Waits for the replies to every command sent (pending appends included), then disconnects. */
  close(): Promise<void> {
    return closeRedis(this.redis);
  }
}
