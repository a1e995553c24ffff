/**
 * Cases on Redis: one hash per case, and for listing, one lexicographic index per status for all
 * cases and one per status for each team (a status change moves the case between them in the
 * same script that stores it).
 */
import { CaseroomError, caseStatuses, type CaseRecord, type CaseStatus, type Page } from '@caseroom/shared';
import type { CaseQuery, CaseRecordStore } from '../CaseRecordStore.js';
import { cursorKey, pageOf } from '../cursor.js';
import type { NewCaseEvent } from '../EventStore.js';
import { guarded, type Redis } from './connection.js';
import { idOfMember, lexMember, mergedRange } from './lexIndex.js';
import { LuaScript } from './LuaScript.js';
import { appendEventsLua, type RedisEvents } from './RedisEvents.js';
import type { RedisKeys } from './RedisKeys.js';

/**
 * KEYS: case, its team's index of its status, the all-cases index of its status, events…
 * ARGV: record, status, updatedAt, team, member, events… -> 0 when the id is taken.
 */
const createScript = new LuaScript(`${appendEventsLua}
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'record', ARGV[1], 'status', ARGV[2], 'updatedAt', ARGV[3], 'team', ARGV[4], 'member', ARGV[5])
redis.call('ZADD', KEYS[2], 0, ARGV[5])
redis.call('ZADD', KEYS[3], 0, ARGV[5])
append_events(4, 6)
return 1`);

/**
 * KEYS: case, then (team index, all-cases index) for each status in `caseStatuses` order, the
 * team's and all teams' waiting indexes, events…
 * ARGV: status, updatedAt, the status' position (1-based), case id, events… -> the stored
 * record, or nil. Resolving a case ends its customer's wait.
 */
const lastIndexKey = 1 + 2 * caseStatuses.length;
const setStatusScript = new LuaScript(`${appendEventsLua}
local member = redis.call('HGET', KEYS[1], 'member')
if not member then return false end
for i = 2, ${lastIndexKey} do redis.call('ZREM', KEYS[i], member) end
local p = tonumber(ARGV[3])
redis.call('ZADD', KEYS[2 * p], 0, member)
redis.call('ZADD', KEYS[2 * p + 1], 0, member)
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'updatedAt', ARGV[2])
local since = redis.call('HGET', KEYS[1], 'waitingSince')
if ARGV[1] == 'resolved' and since then
  redis.call('HDEL', KEYS[1], 'waitingSince')
  redis.call('ZREM', KEYS[${lastIndexKey + 1}], since .. '\\0' .. ARGV[4])
  redis.call('ZREM', KEYS[${lastIndexKey + 2}], since .. '\\0' .. ARGV[4])
end
append_events(${lastIndexKey + 3}, 5)
return redis.call('HGET', KEYS[1], 'record')`);

/**
 * KEYS: case, its team's waiting index, all teams' waiting index. ARGV: since ('' for nobody
 * waits), case id -> 0 for an unknown case.
 */
const setWaitingScript = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local since = redis.call('HGET', KEYS[1], 'waitingSince')
if since then
  redis.call('HDEL', KEYS[1], 'waitingSince')
  redis.call('ZREM', KEYS[2], since .. '\\0' .. ARGV[2])
  redis.call('ZREM', KEYS[3], since .. '\\0' .. ARGV[2])
end
if ARGV[1] ~= '' then
  redis.call('HSET', KEYS[1], 'waitingSince', ARGV[1])
  redis.call('ZADD', KEYS[2], 0, ARGV[1] .. '\\0' .. ARGV[2])
  redis.call('ZADD', KEYS[3], 0, ARGV[1] .. '\\0' .. ARGV[2])
end
return 1`);

/** The stored record with the fields that change kept beside it (`waitingSince` is moved by the conversation's writes). */
function recordOf(json: string, status: string, updatedAt: string, waitingSince: string | null): CaseRecord {
  return { ...(JSON.parse(json) as CaseRecord), status: status as CaseStatus, updatedAt, waitingSince };
}

export class RedisCases implements CaseRecordStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly events: RedisEvents,
  ) {}

  async create(record: CaseRecord, events: readonly NewCaseEvent[]): Promise<void> {
    const k = this.keys;
    const keys = [k.case(record.id), k.cases(record.status, record.team), k.cases(record.status)];
    const member = lexMember(record.createdAt, record.id);
    const args = [JSON.stringify(record), record.status, record.updatedAt, record.team, member];
    if ((await this.events.write(createScript, keys, args, events)) === 0) throw new CaseroomError('case_exists');
  }

  async get(id: string): Promise<CaseRecord | null> {
    const [json, status, updatedAt, waitingSince] = await guarded(
      this.redis.hmGet(this.keys.case(id), ['record', 'status', 'updatedAt', 'waitingSince']),
    );
    return json && status && updatedAt ? recordOf(json, status, updatedAt, waitingSince ?? null) : null;
  }

  async list(query: CaseQuery): Promise<Page<CaseRecord>> {
    if (query.sort === 'waiting') return this.listWaiting(query);
    const statuses = query.status === undefined ? caseStatuses : [query.status];
    const indexes = statuses.map((status) => this.keys.cases(status, query.team));
    const after = query.cursor === undefined ? undefined : lexMember(...cursorKey(query.cursor));
    const members = await guarded(mergedRange(this.redis, indexes, { direction: 'desc', after, count: query.limit + 1 }));
    const records = await Promise.all(members.map((member) => this.get(idOfMember(member))));
    return pageOf(
      records.filter((r): r is CaseRecord => r !== null),
      query.limit,
      (c) => [c.createdAt, c.id],
    );
  }

  /** Cases whose customer waits, longest first: one index read from the cursor on, the status filtered here. */
  private async listWaiting(query: CaseQuery): Promise<Page<CaseRecord>> {
    const index = this.keys.waitingCases(query.team);
    const kept: CaseRecord[] = [];
    let after = query.cursor === undefined ? undefined : lexMember(...cursorKey(query.cursor));
    for (;;) {
      const count = query.limit + 1 - kept.length;
      const members = await guarded(mergedRange(this.redis, [index], { direction: 'asc', after, count }));
      const records = await Promise.all(members.map((member) => this.get(idOfMember(member))));
      for (const r of records)
        if (r !== null && r.waitingSince !== null && (query.status === undefined || r.status === query.status)) kept.push(r);
      if (members.length < count || kept.length > query.limit) break;
      after = members.at(-1);
    }
    return pageOf(kept, query.limit, (c) => [c.waitingSince!, c.id]);
  }

  async setStatus(id: string, status: CaseStatus, at: string, events: readonly NewCaseEvent[]): Promise<CaseRecord | null> {
    // A case never changes team, so its index keys can be named before the script runs.
    const team = await guarded(this.redis.hGet(this.keys.case(id), 'team'));
    if (team === null || team === undefined) return null;
    const k = this.keys;
    const indexes = caseStatuses.flatMap((s) => [k.cases(s, team), k.cases(s)]);
    const args = [status, at, String(caseStatuses.indexOf(status) + 1)];
    const waiting = [k.waitingCases(team), k.waitingCases()];
    const json = (await this.events.write(setStatusScript, [k.case(id), ...indexes, ...waiting], [...args, id], events)) as string | null;
    if (json === null) return null;
    const waitingSince = await guarded(this.redis.hGet(k.case(id), 'waitingSince'));
    return recordOf(json, status, at, waitingSince ?? null);
  }

  async restoreWaiting(id: string, since: string | null): Promise<boolean> {
    const team = await guarded(this.redis.hGet(this.keys.case(id), 'team'));
    if (team === null || team === undefined) return false;
    const keys = [this.keys.case(id), this.keys.waitingCases(team), this.keys.waitingCases()];
    return (await guarded(setWaitingScript.run(this.redis, keys, [since ?? '', id]))) === 1;
  }
}
