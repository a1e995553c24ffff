/**
 * People who signed in, and revocations of their tokens, on Redis: a hash per person, and one
 * hash of every revocation (user id -> the moment up to which their tokens are refused).
 */
import type { Identity } from '@caseroom/shared';
import type { NewCaseEvent } from '../EventStore.js';
import type { PeopleStore } from '../PeopleStore.js';
import { guarded, type Redis } from './connection.js';
import { LuaScript } from './LuaScript.js';
import { appendEventsLua, type RedisEvents } from './RedisEvents.js';
import type { RedisKeys } from './RedisKeys.js';

/**
 * Keeps the later of two revocations of a person (a plain HSET would let an older one written last
 * win), and appends its events in the same script. KEYS: revocations, events…; ARGV: user, at, events…
 */
const revokeScript = new LuaScript(`${appendEventsLua}
local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]))
if current == nil or current < tonumber(ARGV[2]) then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
append_events(2, 3)
return 1`);

export class RedisPeople implements PeopleStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly events: RedisEvents,
  ) {}

  async remember(who: Identity, at: string): Promise<void> {
    await guarded(this.redis.hSet(this.keys.person(who.userId), { identity: JSON.stringify(who), seenAt: at }));
  }

  async get(userId: string): Promise<Identity | null> {
    const identity = await guarded(this.redis.hGet(this.keys.person(userId), 'identity'));
    return identity ? (JSON.parse(identity) as Identity) : null;
  }

  async revoke(userId: string, at: number, events: readonly NewCaseEvent[]): Promise<void> {
    await this.events.write(revokeScript, [this.keys.revocations()], [userId, String(at)], events);
  }

  async revocations(): Promise<Map<string, number>> {
    const all = await guarded(this.redis.hGetAll(this.keys.revocations()));
    return new Map(Object.entries(all).map(([userId, at]) => [userId, Number(at)]));
  }
}
