/**
 * Case ownership on Redis: the state and its fencing epoch in one hash, the history as a list.
 * The compare-and-set runs inside Redis, so of any number of claims racing from any number of hub
 * nodes with the same expected epoch exactly one is stored.
 */
import { unowned, type Ownership, type OwnershipRecord } from '@caseroom/shared';
import type { NewCaseEvent } from '../EventStore.js';
import { requiredStoredEpoch, type OwnershipStore } from '../OwnershipStore.js';
import { guarded, type Redis } from './connection.js';
import { LuaScript } from './LuaScript.js';
import { appendEventsLua, type RedisEvents } from './RedisEvents.js';
import type { RedisKeys } from './RedisKeys.js';

/**
 * KEYS: ownership, history, events… ARGV: the stored epoch required ('' for no hash yet), next
 * epoch, state, history line or '', events… -> 1 when stored, 0 when the epoch had moved on.
 */
const saveScript = new LuaScript(`${appendEventsLua}
if (redis.call('HGET', KEYS[1], 'epoch') or '') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'epoch', ARGV[2], 'state', ARGV[3])
if ARGV[4] ~= '' then redis.call('RPUSH', KEYS[2], ARGV[4]) end
append_events(3, 5)
return 1`);

export class RedisOwnership implements OwnershipStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly events: RedisEvents,
  ) {}

  async get(caseId: string): Promise<Ownership> {
    const state = await guarded(this.redis.hGet(this.keys.ownership(caseId), 'state'));
    return state ? (JSON.parse(state) as Ownership) : unowned;
  }

  async save(
    caseId: string,
    expectedEpoch: number,
    next: Ownership,
    record: OwnershipRecord | null,
    events: readonly NewCaseEvent[],
  ): Promise<boolean> {
    const required = requiredStoredEpoch(expectedEpoch);
    const keys = [this.keys.ownership(caseId), this.keys.ownershipHistory(caseId)];
    const args = [
      required === null ? '' : String(required),
      String(next.epoch),
      JSON.stringify(next),
      record ? JSON.stringify(record) : '',
    ];
    return (await this.events.write(saveScript, keys, args, events)) === 1;
  }

  /** Oldest first: lines are appended in epoch order, each by the change that made that epoch. */
  async history(caseId: string): Promise<OwnershipRecord[]> {
    const lines = await guarded(this.redis.lRange(this.keys.ownershipHistory(caseId), 0, -1));
    return lines.map((line) => JSON.parse(line) as OwnershipRecord);
  }
}
