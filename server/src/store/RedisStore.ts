/**
 * The cluster store: everything the hub keeps durably, in one Redis that every hub node shares,
 * with the behaviour of the SQLite store. Each write that takes events is one Lua script storing
 * the change and its events together; compare-and-set (ownership epoch, approval version) is
 * decided inside the script, so racing nodes cannot both win. Needs Redis 7.
 *
 * Keys, all under the configured prefix (ids and teams percent-encoded, see redis/RedisKeys.ts):
 * `case:{id}` is a hash (record JSON, status, updatedAt, team, index member) and
 * `cases:all:{status}` / `cases:team:{team}:{status}` are the listing indexes, sorted sets of
 * `createdAt NUL id` read by lexicographic range; `case:{id}:ownership` is a hash (epoch, state
 * JSON) and `case:{id}:ownership:history` a list of JSON lines; `person:{userId}` a hash
 * (identity JSON, seenAt). `approval:{id}` is a hash (record JSON, version, status, reviewed),
 * indexed in `approvals:{case:{id}|team:{team}|all}:{status}:{reviewed|unreviewed}` (members
 * `requestedAt NUL id`), and `approvals:expiries` scores pending requests by expiry time (ms).
 * `events` is the stream that gives every event its id; the same entry is added under the same
 * id to `events:team:{team}` and `events:case:{id}`, and `events:case:{id}:ids` maps each
 * per-case seq to its id. `doc:{id}:updates` is the update log, a stream with ids `0-{seq}` and
 * the bytes in field `u`; `doc:{id}:snapshot` a hash (data, throughSeq). `webhook:{id}` is a hash
 * (record JSON, secret, team, cursor, attempt counter) listed in `webhooks:all` and
 * `webhooks:team:{team}`; `webhook:{id}:deliveries` maps attempt seq -> JSON, indexed by seq in
 * `webhook:{id}:deliveries:{all|delivered|failed}`; `webhook:{id}:failures` counts failed
 * attempts per event id.
 */
import type { Approval, CaseEvent, CaseRecord, CaseStatus, Identity, Ownership, OwnershipRecord, Page } from '@caseroom/shared';
import type { Logger } from '../logger.js';
import type { ApprovalQuery, CaseQuery, CaseStore, EventQuery, NewCaseEvent, StoredDocument } from './CaseStore.js';
import { closeRedis, connectRedis, guarded, pingDeadlineMs, type Redis } from './redis/connection.js';
import { RedisApprovals } from './redis/RedisApprovals.js';
import { RedisCases } from './redis/RedisCases.js';
import { RedisDocuments } from './redis/RedisDocuments.js';
import { appendEventsLua, RedisEventLog } from './redis/RedisEventLog.js';
import { RedisKeys } from './redis/RedisKeys.js';
import { RedisOwnership } from './redis/RedisOwnership.js';
import { LuaScript } from './redis/LuaScript.js';
import { RedisWebhookStore } from './RedisWebhookStore.js';

export interface RedisStoreOptions {
  url: string;
  /** starts every key, so several deployments (or test runs) can share one Redis */
  prefix: string;
  log: Logger;
}

/**
 * Keeps the later of two revocations of a person (a plain HSET would let an older one written last
 * win), and appends its events in the same script. KEYS: revocations, events…; ARGV: user, at, events…
 */
const revokeScript = new LuaScript(`${appendEventsLua}
local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]))
if current == nil or current < tonumber(ARGV[2]) then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
append_events(2, 3)
return 1`);

export class RedisStore implements CaseStore {
  readonly kind = 'redis';
  readonly webhooks: RedisWebhookStore;
  private readonly keys: RedisKeys;
  private readonly events: RedisEventLog;
  private readonly cases: RedisCases;
  private readonly ownership: RedisOwnership;
  private readonly approvals: RedisApprovals;
  private readonly documents: RedisDocuments;

  private constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = new RedisKeys(prefix);
    this.events = new RedisEventLog(redis, this.keys);
    this.cases = new RedisCases(redis, this.keys, this.events);
    this.ownership = new RedisOwnership(redis, this.keys, this.events);
    this.approvals = new RedisApprovals(redis, this.keys, this.events);
    this.documents = new RedisDocuments(redis, this.keys);
    this.webhooks = new RedisWebhookStore(redis, this.keys);
  }

  /** Connects (waiting for Redis to answer, retrying meanwhile) and checks its version. */
  static async connect(options: RedisStoreOptions): Promise<RedisStore> {
    return new RedisStore(await connectRedis(options.url, options.log), options.prefix);
  }

  createCase(record: CaseRecord, events: NewCaseEvent[]): Promise<void> {
    return guarded(this.cases.create(record, events));
  }

  getCase(id: string): Promise<CaseRecord | null> {
    return guarded(this.cases.get(id));
  }

  listCases(query: CaseQuery): Promise<Page<CaseRecord>> {
    return guarded(this.cases.list(query));
  }

  setCaseStatus(id: string, status: CaseStatus, at: string, events: NewCaseEvent[]): Promise<CaseRecord | null> {
    return guarded(this.cases.setStatus(id, status, at, events));
  }

  getOwnership(caseId: string): Promise<Ownership> {
    return guarded(this.ownership.get(caseId));
  }

  saveOwnership(
    caseId: string,
    expectedEpoch: number,
    next: Ownership,
    record: OwnershipRecord | null,
    events: NewCaseEvent[],
  ): Promise<boolean> {
    return guarded(this.ownership.save(caseId, expectedEpoch, next, record, events));
  }

  ownershipHistory(caseId: string): Promise<OwnershipRecord[]> {
    return guarded(this.ownership.history(caseId));
  }

  createApproval(approval: Approval, events: NewCaseEvent[]): Promise<void> {
    return guarded(this.approvals.create(approval, events));
  }

  getApproval(id: string): Promise<Approval | null> {
    return guarded(this.approvals.get(id));
  }

  saveApproval(next: Approval, expectedVersion: number, events: NewCaseEvent[]): Promise<boolean> {
    return guarded(this.approvals.save(next, expectedVersion, events));
  }

  listApprovals(query: ApprovalQuery): Promise<Page<Approval>> {
    return guarded(this.approvals.list(query));
  }

  dueApprovals(now: string, limit: number): Promise<Approval[]> {
    return guarded(this.approvals.due(now, limit));
  }

  nextApprovalExpiry(): Promise<string | null> {
    return guarded(this.approvals.nextExpiry());
  }

  appendEvents(events: NewCaseEvent[]): Promise<CaseEvent[]> {
    return guarded(this.events.append(events));
  }

  readEvents(query: EventQuery): Promise<CaseEvent[]> {
    return guarded(this.events.read(query));
  }

  caseEvents(caseId: string, afterSeq: number, limit: number): Promise<CaseEvent[]> {
    return guarded(this.events.forCase(caseId, afterSeq, limit));
  }

  lastEventId(): Promise<string> {
    return guarded(this.events.lastId());
  }

  compareEventIds(a: string, b: string): number | null {
    return this.events.compare(a, b);
  }

  async rememberPerson(who: Identity, at: string): Promise<void> {
    await guarded(this.redis.hSet(this.keys.person(who.userId), { identity: JSON.stringify(who), seenAt: at }));
  }

  async revokePerson(userId: string, at: number, events: NewCaseEvent[]): Promise<void> {
    const part = this.events.scriptPart(events);
    await guarded(revokeScript.run(this.redis, [this.keys.revocations(), ...part.keys], [userId, String(at), ...part.args]));
  }

  async revocations(): Promise<Map<string, number>> {
    const all = await guarded(this.redis.hGetAll(this.keys.revocations()));
    return new Map(Object.entries(all).map(([userId, at]) => [userId, Number(at)]));
  }

  async getPerson(userId: string): Promise<Identity | null> {
    const identity = await guarded(this.redis.hGet(this.keys.person(userId), 'identity'));
    return identity ? (JSON.parse(identity) as Identity) : null;
  }

  appendUpdate(caseId: string, update: Uint8Array): Promise<number> {
    return guarded(this.documents.append(caseId, update));
  }

  loadDocument(caseId: string): Promise<StoredDocument> {
    return guarded(this.documents.load(caseId));
  }

  compact(caseId: string, snapshot: Uint8Array, throughSeq: number): Promise<void> {
    return guarded(this.documents.compact(caseId, snapshot, throughSeq));
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
