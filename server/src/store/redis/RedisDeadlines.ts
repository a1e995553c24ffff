/**
 * Step deadlines on Redis: one sorted set of every deadline, scored by when it falls due (ms),
 * each member the JSON pair [case id, step id]. Firing is a script that removes the member only
 * if its score is still the same time, and appends the `step.overdue` event in the same step.
 */
import type { DeadlineStore, StepDeadline } from '../DeadlineStore.js';
import type { NewCaseEvent } from '../EventStore.js';
import { guarded, type Redis } from './connection.js';
import { LuaScript } from './LuaScript.js';
import { appendEventsLua, type RedisEvents } from './RedisEvents.js';
import type { RedisKeys } from './RedisKeys.js';

/** KEYS: deadlines, events… ARGV: member, due time (ms), events… -> 1 when fired here, 0 otherwise. */
const fireScript = new LuaScript(`${appendEventsLua}
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score or tonumber(score) ~= tonumber(ARGV[2]) then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
append_events(2, 3)
return 1`);

/** A JSON pair: neither id needs escaping by hand, and any step id stays apart from the case id. */
const memberOf = (caseId: string, stepId: string): string => JSON.stringify([caseId, stepId]);

export class RedisDeadlines implements DeadlineStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly events: RedisEvents,
  ) {}

  async set(caseId: string, stepId: string, dueAt: number): Promise<void> {
    await guarded(this.redis.zAdd(this.keys.stepDeadlines, { score: dueAt, value: memberOf(caseId, stepId) }));
  }

  async clear(caseId: string, stepId: string): Promise<void> {
    await guarded(this.redis.zRem(this.keys.stepDeadlines, memberOf(caseId, stepId)));
  }

  async due(now: number, limit: number): Promise<StepDeadline[]> {
    const entries = await guarded(
      this.redis.zRangeWithScores(this.keys.stepDeadlines, '-inf', now, { BY: 'SCORE', LIMIT: { offset: 0, count: limit } }),
    );
    return entries.map(({ value, score }) => {
      const [caseId, stepId] = JSON.parse(value) as [string, string];
      return { caseId, stepId, dueAt: score };
    });
  }

  async next(): Promise<number | null> {
    const [first] = await guarded(this.redis.zRangeWithScores(this.keys.stepDeadlines, 0, 0));
    return first ? first.score : null;
  }

  async fire(caseId: string, stepId: string, dueAt: number, events: readonly NewCaseEvent[]): Promise<boolean> {
    const reply = await this.events.write(fireScript, [this.keys.stepDeadlines], [memberOf(caseId, stepId), String(dueAt)], events);
    return reply === 1;
  }
}
