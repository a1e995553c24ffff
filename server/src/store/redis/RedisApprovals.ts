/**
 * Approval requests on Redis: one hash per request (record, version, status, reviewed), and
 * lexicographic indexes by (scope, status, reviewed) where scope is its case, its team or all.
 * Any listing is then a merge of at most ten indexes read from the cursor on, never a scan that
 * filters. Pending requests also sit in a sorted set scored by expiry time, for the expiry sweep.
 */
import { approvalStatuses, type Approval, type ApprovalStatus, type Page } from '@caseroom/shared';
import { approvalAlreadyStored, type ApprovalQuery, type ApprovalStore } from '../ApprovalStore.js';
import { cursorKey, pageOf } from '../cursor.js';
import type { NewCaseEvent } from '../EventStore.js';
import { guarded, type Redis } from './connection.js';
import { idOfMember, lexMember, mergedRange } from './lexIndex.js';
import { LuaScript } from './LuaScript.js';
import { appendEventsLua, type RedisEvents } from './RedisEvents.js';
import type { ApprovalScope, RedisKeys } from './RedisKeys.js';

/**
 * KEYS: approval, its case/team/all indexes, expiries, events…
 * ARGV: record, version, status, reviewed, member, expiry (ms), id, events… -> 0 if the id is taken.
 */
const createScript = new LuaScript(`${appendEventsLua}
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'record', ARGV[1], 'version', ARGV[2], 'status', ARGV[3], 'reviewed', ARGV[4])
for i = 2, 4 do redis.call('ZADD', KEYS[i], 0, ARGV[5]) end
if ARGV[3] == 'pending' then redis.call('ZADD', KEYS[5], ARGV[6], ARGV[7]) end
append_events(6, 8)
return 1`);

/**
 * KEYS: approval, its three indexes before, its three indexes after, expiries, events…
 * ARGV: expected version, status and reviewed before, record, version, status, reviewed, member,
 * expiry (ms), id, events… -> 1 when stored, 0 when another change got there first.
 */
const saveScript = new LuaScript(`${appendEventsLua}
local current = redis.call('HMGET', KEYS[1], 'version', 'status', 'reviewed')
if current[1] ~= ARGV[1] or current[2] ~= ARGV[2] or current[3] ~= ARGV[3] then return 0 end
for i = 2, 4 do redis.call('ZREM', KEYS[i], ARGV[8]) end
for i = 5, 7 do redis.call('ZADD', KEYS[i], 0, ARGV[8]) end
if ARGV[6] == 'pending' then redis.call('ZADD', KEYS[8], ARGV[9], ARGV[10]) else redis.call('ZREM', KEYS[8], ARGV[10]) end
redis.call('HSET', KEYS[1], 'record', ARGV[4], 'version', ARGV[5], 'status', ARGV[6], 'reviewed', ARGV[7])
append_events(9, 11)
return 1`);

const flag = (reviewed: boolean): string => (reviewed ? '1' : '0');

export class RedisApprovals implements ApprovalStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly events: RedisEvents,
  ) {}

  /** The three indexes an approval with this status and review state belongs to. */
  private indexesOf(approval: Approval, status: ApprovalStatus, reviewed: boolean): string[] {
    const scopes: ApprovalScope[] = [{ caseId: approval.caseId }, { team: approval.team }, 'all'];
    return scopes.map((scope) => this.keys.approvals(scope, status, reviewed));
  }

  async create(approval: Approval, events: readonly NewCaseEvent[]): Promise<void> {
    const reviewed = approval.review !== null;
    const keys = [this.keys.approval(approval.id), ...this.indexesOf(approval, approval.status, reviewed), this.keys.approvalExpiries];
    const args = [
      JSON.stringify(approval),
      String(approval.version),
      approval.status,
      flag(reviewed),
      lexMember(approval.requestedAt, approval.id),
      String(Date.parse(approval.expiresAt)),
      approval.id,
    ];
    if ((await this.events.write(createScript, keys, args, events)) === 0) throw approvalAlreadyStored(approval.id);
  }

  async get(id: string): Promise<Approval | null> {
    const json = await guarded(this.redis.hGet(this.keys.approval(id), 'record'));
    return json ? (JSON.parse(json) as Approval) : null;
  }

  async save(next: Approval, expectedVersion: number, events: readonly NewCaseEvent[]): Promise<boolean> {
    // The indexes to leave depend on the stored status; the script refuses if it moved since.
    const [version, status, reviewed] = await guarded(this.redis.hmGet(this.keys.approval(next.id), ['version', 'status', 'reviewed']));
    if (version !== String(expectedVersion) || !status || !reviewed) return false;
    const nowReviewed = next.review !== null;
    const keys = [
      this.keys.approval(next.id),
      ...this.indexesOf(next, status as ApprovalStatus, reviewed === '1'),
      ...this.indexesOf(next, next.status, nowReviewed),
      this.keys.approvalExpiries,
    ];
    const args = [
      version,
      status,
      reviewed,
      JSON.stringify(next),
      String(next.version),
      next.status,
      flag(nowReviewed),
      lexMember(next.requestedAt, next.id),
      String(Date.parse(next.expiresAt)),
      next.id,
    ];
    return (await this.events.write(saveScript, keys, args, events)) === 1;
  }

  async list(query: ApprovalQuery): Promise<Page<Approval>> {
    const scope: ApprovalScope =
      query.caseId !== undefined ? { caseId: query.caseId } : query.team !== undefined ? { team: query.team } : 'all';
    const statuses = query.statuses ?? approvalStatuses;
    const reviewed = query.reviewed === undefined ? [false, true] : [query.reviewed];
    const indexes = statuses.flatMap((status) => reviewed.map((r) => this.keys.approvals(scope, status, r)));
    const after = query.cursor === undefined ? undefined : lexMember(...cursorKey(query.cursor));
    const members =
      indexes.length === 0 ? [] : await guarded(mergedRange(this.redis, indexes, { direction: 'asc', after, count: query.limit + 1 }));
    const approvals = await Promise.all(members.map((member) => this.get(idOfMember(member))));
    // A case's requests all carry the case's team, so with both filters this keeps all or none.
    const kept = approvals.filter((a): a is Approval => a !== null && (query.team === undefined || a.team === query.team));
    return pageOf(kept, query.limit, (a) => [a.requestedAt, a.id]);
  }

  async due(now: string, limit: number): Promise<Approval[]> {
    const ids = await guarded(
      this.redis.zRange(this.keys.approvalExpiries, '-inf', Date.parse(now), { BY: 'SCORE', LIMIT: { offset: 0, count: limit } }),
    );
    const approvals = await Promise.all(ids.map((id) => this.get(id)));
    return approvals.filter((a): a is Approval => a !== null && a.status === 'pending');
  }

  async nextExpiry(): Promise<string | null> {
    const [first] = await guarded(this.redis.zRangeWithScores(this.keys.approvalExpiries, 0, 0));
    return first ? new Date(first.score).toISOString() : null;
  }
}
