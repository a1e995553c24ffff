/**
 * Case ownership on Redis: the state and its fencing epoch in one hash, the history as a list.
 * The compare-and-set runs inside Redis, so of any number of claims racing from any number of hub
 * nodes with the same expected epoch exactly one is stored.
 */
import { unowned, type Ownership, type OwnershipRecord } from '@caseroom/shared';
import type { NewCaseEvent } from '../CaseStore.js';
import type { Redis } from './connection.js';
import { LuaScript } from './LuaScript.js';
import { appendEventsLua, type RedisEventLog } from './RedisEventLog.js';
import type { RedisKeys } from './RedisKeys.js';

/**
 * KEYS: ownership, history, events… ARGV: expected epoch, next epoch, state, history line or '',
 * events… -> 1 when stored, 0 when the epoch had moved on. No hash yet means epoch 0.
 */
const saveScript = new LuaScript(`${appendEventsLua}
local epoch = redis.call('HGET', KEYS[1], 'epoch') or '0'
if epoch ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'epoch', ARGV[2], 'state', ARGV[3])
if ARGV[4] ~= '' then redis.call('RPUSH', KEYS[2], ARGV[4]) end
append_events(3, 5)
return 1`);

export class RedisOwnership {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly events: RedisEventLog,
  ) {}

  async get(caseId: string): Promise<Ownership> {
    const state = await this.redis.hGet(this.keys.ownership(caseId), 'state');
    return state ? (JSON.parse(state) as Ownership) : unowned;
  }

  async save(
    caseId: string,
    expectedEpoch: number,
    next: Ownership,
    record: OwnershipRecord | null,
    events: NewCaseEvent[],
  ): Promise<boolean> {
    const part = this.events.scriptPart(events);
    const keys = [this.keys.ownership(caseId), this.keys.ownershipHistory(caseId), ...part.keys];
    const args = [String(expectedEpoch), String(next.epoch), JSON.stringify(next), record ? JSON.stringify(record) : '', ...part.args];
    return (await saveScript.run(this.redis, keys, args)) === 1;
  }

  /** Oldest first: lines are appended in epoch order, each by the change that made that epoch. */
  async history(caseId: string): Promise<OwnershipRecord[]> {
    const lines = await this.redis.lRange(this.keys.ownershipHistory(caseId), 0, -1);
    return lines.map((line) => JSON.parse(line) as OwnershipRecord);
  }
}
