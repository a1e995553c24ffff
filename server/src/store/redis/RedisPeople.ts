/**
 * People who signed in, and revocations of their tokens, on Redis: a hash per person, a set of
 * user ids per team (the team's directory), and one hash of every revocation (user id -> the
 * moment up to which their tokens are refused).
 */
import type { Identity } from '@caseroom/shared';
import type { NewCaseEvent } from '../EventStore.js';
import { byName, type PeopleStore } from '../PeopleStore.js';
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

/**
 * Remembers a person and moves them to their team's set, if the team stored is still the one the
 * caller read (their old team's set is named from it): a sign-in that moved them meanwhile makes
 * the caller read again. KEYS: person, team set, old team set; ARGV: team read ('' none), identity, seenAt, user.
 */
const rememberScript = new LuaScript(`
local stored = redis.call('HGET', KEYS[1], 'identity')
local team = stored and cjson.decode(stored).team or ''
if team ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'identity', ARGV[2], 'seenAt', ARGV[3])
if KEYS[3] ~= KEYS[2] then redis.call('SREM', KEYS[3], ARGV[4]) end
redis.call('SADD', KEYS[2], ARGV[4])
return 1`);

/** Reads again before giving up on a person whose sign-ins to different teams keep racing. */
const maxAttempts = 100;

export class RedisPeople implements PeopleStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly events: RedisEvents,
  ) {}

  async remember(who: Identity, at: string): Promise<void> {
    const person = this.keys.person(who.userId);
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const stored = await guarded(this.redis.hGet(person, 'identity'));
      const storedTeam = stored ? (JSON.parse(stored) as Identity).team : null;
      const team = this.keys.teamPeople(who.team);
      const oldTeam = storedTeam === null ? team : this.keys.teamPeople(storedTeam);
      const args = [storedTeam ?? '', JSON.stringify(who), at, who.userId];
      if ((await guarded(rememberScript.run(this.redis, [person, team, oldTeam], args))) === 1) return;
    }
    throw new Error(`remembering ${who.userId} kept racing other sign-ins`);
  }

  async get(userId: string): Promise<Identity | null> {
    const identity = await guarded(this.redis.hGet(this.keys.person(userId), 'identity'));
    return identity ? (JSON.parse(identity) as Identity) : null;
  }

  async list(team: string): Promise<Identity[]> {
    const userIds = await guarded(this.redis.sMembers(this.keys.teamPeople(team)));
    const stored = await guarded(Promise.all(userIds.map((userId) => this.redis.hGet(this.keys.person(userId), 'identity'))));
    return stored
      .flatMap((identity) => (identity ? [JSON.parse(identity) as Identity] : []))
      .filter((who) => who.team === team)
      .sort(byName);
  }

  async everyone(): Promise<Identity[]> {
    const people: Identity[] = [];
    for await (const keys of this.redis.scanIterator({ MATCH: this.keys.everyPerson(), COUNT: 500 })) {
      const stored = await guarded(Promise.all(keys.map((key) => this.redis.hGet(key, 'identity'))));
      for (const identity of stored) if (identity) people.push(JSON.parse(identity) as Identity);
    }
    return people.sort(byName);
  }

  async revoke(userId: string, at: number, events: readonly NewCaseEvent[]): Promise<void> {
    await this.events.write(revokeScript, [this.keys.revocations()], [userId, String(at)], events);
  }

  async revocations(): Promise<Map<string, number>> {
    const all = await guarded(this.redis.hGetAll(this.keys.revocations()));
    return new Map(Object.entries(all).map(([userId, at]) => [userId, Number(at)]));
  }
}
