/**
 * The case event log on Redis streams, each event's body stored once. Every event gets its id
 * from XADD on the one global stream, which holds the body; its team's and its case's streams are
 * indexes, an entry under the same id holding only its seq. A read merges the indexes in the hub
 * (pipelined XRANGEs, a bounded count each) and a small script fetches the bodies of a page's ids,
 * refusing the read if a trim overtook it: a merge inside Redis over 1,000 case indexes blocked
 * every other client for about a second a page (bench/src/eventReadCost.ts, docs/capacity.md).
 * The per-case `seq` is assigned in the append script from the case's counter, and a hash maps it
 * back to the id for reads by sequence number. Every
 * aggregate of the RedisStore that stores events runs its script through `write`, so a change and
 * its events are one atomic step and readers are told once Redis has stored them. Trimming
 * removes a prefix of the global stream and, in the same script, the index entries and seq
 * mappings of what it removed; `events:trimmed` keeps the last id removed.
 */
import { type CaseEvent, type CaseEventType } from '@caseroom/shared';
import type { RedisArgument } from 'redis';
import { AppendSignal } from '../AppendSignal.js';
import {
  caseEventRange,
  expiredEventCursor,
  invalidEventCursor,
  readsNothing,
  storedEvent,
  type EventQuery,
  type EventStore,
  type NewCaseEvent,
} from '../EventStore.js';
import { guarded, type Redis } from './connection.js';
import { LuaScript } from './LuaScript.js';
import type { RedisKeys } from './RedisKeys.js';

/** How many ARGV entries each event takes in a script (its `data` the last of them). */
export const eventArgs = 6;

/**
 * Lua: a case's last seq, from its counter; a case numbered before the counter was kept (or by a
 * node of an earlier version, during an upgrade) has the numbers 1..count in its seq -> id hash.
 */
const lastSeqLua = `
local function last_seq(counter, ids)
  return math.max(tonumber(redis.call('GET', counter)) or 0, redis.call('HLEN', ids))
end
local function next_seq(counter, ids)
  return last_seq(counter, ids) + 1
end
`;

/**
 * Lua appending the events a script was given, after the change they describe, in the same
 * atomic step, numbered within their case as EventStore.ts says. KEYS[k] is the global stream,
 * followed by four keys per event (its team's stream, its case's stream, its case's seq -> id
 * hash, its case's seq counter); ARGV from `a` holds `eventArgs` fields per event.
 */
export const appendEventsLua = `${lastSeqLua}
local function append_events(k, a)
  local written = {}
  for i = 0, (#ARGV - a + 1) / ${eventArgs} - 1 do
    local f, e = a + i * ${eventArgs}, k + i * 4
    local seq = next_seq(KEYS[e + 4], KEYS[e + 3])
    redis.call('SET', KEYS[e + 4], seq)
    local id = redis.call('XADD', KEYS[k], '*', 'caseId', ARGV[f], 'team', ARGV[f + 1], 'seq', tostring(seq),
      'type', ARGV[f + 2], 'at', ARGV[f + 3], 'actor', ARGV[f + 4], 'data', ARGV[f + 5])
    redis.call('XADD', KEYS[e + 1], id, 's', seq)
    redis.call('XADD', KEYS[e + 2], id, 's', seq)
    redis.call('HSET', KEYS[e + 3], seq, id)
    written[#written + 1] = {id, seq}
  end
  return written
end
`;

const appendOnly = new LuaScript(`${appendEventsLua}
return append_events(1, 1)`);

/** Lua ordering stream ids (`before(a, b)`: a is older). */
const orderLua = `
local function parse(id)
  local ms, n = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(n)
end
local function before(a, b)
  local am, an = parse(a)
  local bm, bn = parse(b)
  return am < bm or (am == bm and an < bn)
end
`;

/**
 * KEYS: the global stream, the trimmed mark. ARGV: the cursor, how many entries to take. ->
 * {'expired', oldest} or {'events', bound, entries}: entries in id order up to `bound` (empty:
 * the stream was read to its end), and the read goes on after it.
 */
const readGlobalScript = new LuaScript(`${orderLua}
local mark = redis.call('GET', KEYS[2])
if mark and before(ARGV[1], mark) then return {'expired', mark} end
local entries = redis.call('XRANGE', KEYS[1], '(' .. ARGV[1], '+', 'COUNT', tonumber(ARGV[2]))
local bound = ''
if #entries == tonumber(ARGV[2]) then bound = entries[#entries][1] end
return {'events', bound, entries}`);

/**
 * KEYS: the global stream, the trimmed mark. ARGV: the id the read has seen everything up to,
 * then the ids whose bodies are wanted, in order (the indexes were read before this runs). ->
 * {'expired', oldest} when a trim went past that id (an index entry read might have lost its
 * body: refused, never a silent gap), else {'events', entries}; an id whose body is gone otherwise
 * is skipped. One XRANGE of one entry per id: bounded by how many ids Node hands it.
 */
const bodiesScript = new LuaScript(`${orderLua}
local mark = redis.call('GET', KEYS[2])
if mark and before(ARGV[1], mark) then return {'expired', mark} end
local events = {}
for i = 2, #ARGV do
  local body = redis.call('XRANGE', KEYS[1], ARGV[i], ARGV[i])
  if body[1] then events[#events + 1] = body[1] end
end
return {'events', events}`);

/** KEYS: the case's seq counter, its seq -> id hash. ARGV: the seq its next event follows at least. */
const numberAfterScript = new LuaScript(`${lastSeqLua}
if last_seq(KEYS[1], KEYS[2]) < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) end
return 1`);

/**
 * KEYS: the case's seq -> id hash, its index stream, the global stream, its seq counter. ARGV:
 * first seq wanted, count. -> {'events', entries} or {'expired', oldest seq} when that seq's
 * event was trimmed.
 */
const readCaseScript = new LuaScript(`${lastSeqLua}
local id = redis.call('HGET', KEYS[1], ARGV[1])
if not id or not redis.call('XRANGE', KEYS[3], id, id)[1] then
  local last = last_seq(KEYS[4], KEYS[1])
  if tonumber(ARGV[1]) > last then return {'events', {}} end
  local first = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)[1]
  if not first then return {'expired', last} end
  -- index entries carry the seq in 's'; entries of older versions a whole event with 'seq'
  for i = 1, #first[2], 2 do
    if first[2][i] == 's' or first[2][i] == 'seq' then return {'expired', tonumber(first[2][i + 1]) - 1} end
  end
  return {'expired', last}
end
local events = {}
for _, entry in ipairs(redis.call('XRANGE', KEYS[2], id, '+', 'COUNT', ARGV[2])) do
  local body = redis.call('XRANGE', KEYS[3], entry[1], entry[1])
  if body[1] then events[#events + 1] = body[1] end
end
return {'events', events}`);

/**
 * KEYS: the global stream, the trimmed mark, the team indexes, then per case its index, its
 * seq -> id hash and its seq counter (kept before the mappings go, so numbering goes on). ARGV: the first id kept, the last id trimmed, how many team indexes, then per
 * case the first and last seq trimmed. -> how many events it removed (0 when another node had).
 */
const trimScript = new LuaScript(`${orderLua}${lastSeqLua}
local removed = redis.call('XTRIM', KEYS[1], 'MINID', ARGV[1])
local mark = redis.call('GET', KEYS[2])
if not mark or before(mark, ARGV[2]) then redis.call('SET', KEYS[2], ARGV[2]) end
local teams = tonumber(ARGV[3])
local function trim_index(key)
  redis.call('XTRIM', key, 'MINID', ARGV[1])
  if redis.call('XLEN', key) == 0 then redis.call('DEL', key) end
end
for i = 3, 2 + teams do trim_index(KEYS[i]) end
local c = 4
for i = 3 + teams, #KEYS, 3 do
  trim_index(KEYS[i])
  local hash = KEYS[i + 1]
  redis.call('SET', KEYS[i + 2], last_seq(KEYS[i + 2], hash))
  for seq = tonumber(ARGV[c]), tonumber(ARGV[c + 1]) do redis.call('HDEL', hash, seq) end
  c = c + 2
end
return removed`);

/** How many entries each stream is asked for at a time when a filter may skip many. */
const scanChunk = 200;

/** The fewest entries each of many indexes is asked for in a round. */
const minShare = 16;

type StreamId = readonly [ms: bigint, seq: bigint];

/** A stream id `<ms>-<seq>`; `0` (the SQLite store's first cursor) also means "from the beginning". */
function parseId(id: string): StreamId | null {
  const match = /^(0|[1-9][0-9]{0,19})-(0|[1-9][0-9]{0,19})$/.exec(id === '0' ? '0-0' : id);
  return match ? [BigInt(match[1]!), BigInt(match[2]!)] : null;
}

function formatId([ms, n]: StreamId): string {
  return `${ms}-${n}`;
}

function compareIds(a: StreamId, b: StreamId): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  return a[1] === b[1] ? 0 : a[1] < b[1] ? -1 : 1;
}

/** An entry as a script returns it: the id and the flat field list. */
type RawEntry = [id: string, fields: string[]];

interface StoredEvent extends CaseEvent {
  team: string;
}

function toEvent([id, flat]: RawEntry): StoredEvent {
  const fields: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
  return {
    id,
    caseId: fields.caseId!,
    team: fields.team!,
    seq: Number(fields.seq),
    type: fields.type as CaseEventType,
    at: fields.at!,
    actor: fields.actor ? (JSON.parse(fields.actor) as CaseEvent['actor']) : null,
    data: JSON.parse(fields.data!) as Record<string, unknown>,
  };
}

function withoutTeam({ team: _team, ...event }: StoredEvent): CaseEvent {
  return event;
}

export class RedisEvents implements EventStore {
  readonly beginning = '0-0';
  private readonly appended = new AppendSignal();

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /**
   * Runs `script` with the KEYS and ARGV of `events` after its own (for `append_events`). A script
   * that stored nothing answers 0 or nil, and appends no event; otherwise readers are told once
   * Redis has answered.
   */
  async write(
    script: LuaScript,
    keys: readonly string[],
    args: readonly RedisArgument[],
    events: readonly NewCaseEvent[],
  ): Promise<unknown> {
    const k = this.keys;
    const eventKeys = [
      k.events,
      ...events.flatMap((e) => [k.teamEvents(e.team), k.caseEvents(e.caseId), k.caseEventIds(e.caseId), k.caseEventSeq(e.caseId)]),
    ];
    const eventValues = events.flatMap((e) => [
      e.caseId,
      e.team,
      e.type,
      e.at,
      e.actor ? JSON.stringify(e.actor) : '',
      JSON.stringify(e.data),
    ]);
    const reply = await guarded(script.run(this.redis, [...keys, ...eventKeys], [...args, ...eventValues]));
    if (reply !== 0 && reply !== null) this.appended.committed(events);
    return reply;
  }

  async append(events: readonly NewCaseEvent[]): Promise<CaseEvent[]> {
    if (events.length === 0) return [];
    const written = (await this.write(appendOnly, [], [], events)) as Array<[string, number]>;
    return events.map((e, i) => storedEvent(e, written[i]![0], written[i]![1]));
  }

  /**
   * Reads the smallest set of streams that holds every match: the listed cases' indexes, else the
   * team's, else the global stream. Indexes are read and merged here, not in a script, so Redis
   * only ever runs small commands for a read, however many cases it names.
   */
  async read(query: EventQuery): Promise<CaseEvent[]> {
    const after = parseId(query.after ?? this.beginning);
    if (!after) throw invalidEventCursor();
    const from = formatId(after);
    // An empty query still checks its cursor, as every store does.
    if (readsNothing(query)) {
      await this.bodies(from, []);
      return [];
    }
    const k = this.keys;
    const indexes = query.caseIds
      ? [...new Set(query.caseIds)].map((id) => k.caseEvents(id))
      : query.team === undefined
        ? []
        : [k.teamEvents(query.team)];
    return indexes.length === 0 ? this.readGlobal(query, from) : this.readIndexes(query, indexes, from);
  }

  /** The global stream holds the bodies: one script per chunk checks the cursor and reads it. */
  private async readGlobal(query: EventQuery, after: string): Promise<CaseEvent[]> {
    const chunk = Math.max(query.limit, scanChunk);
    const found: CaseEvent[] = [];
    let from = after;
    for (;;) {
      const reply = (await guarded(
        readGlobalScript.run(this.redis, [this.keys.events, this.keys.eventsTrimmed], [from, String(chunk)]),
      )) as ['expired', string] | ['events', string, RawEntry[]];
      if (reply[0] === 'expired') throw expiredEventCursor(reply[1]);
      const [, bound, entries] = reply;
      if (this.collect(query, entries, found)) return found;
      if (bound === '') return found;
      from = bound;
    }
  }

  /**
   * Reads every index from the cursor (pipelined, a bounded count each), merges their ids, and
   * fetches the bodies of the ids in order, a page's worth per script. An index that filled its
   * count may hold more: the merge is complete only up to the smallest last id among those, and
   * the next round starts there. Many indexes each give a share of a chunk, doubled after a round
   * that merged fewer ids than a chunk (the events sit in a few of them).
   */
  private async readIndexes(query: EventQuery, indexes: readonly string[], after: string): Promise<CaseEvent[]> {
    const chunk = Math.max(query.limit, scanChunk);
    let count = Math.min(chunk, Math.max(minShare, Math.ceil((2 * chunk) / indexes.length)));
    const found: CaseEvent[] = [];
    let from = after;
    for (;;) {
      const replies = (await Promise.all(
        indexes.map((key) => guarded(this.redis.xRange(key, `(${from}`, '+', { COUNT: count }))),
      )) as Array<Array<{ id: string }>>;
      let bound: StreamId | null = null;
      for (const entries of replies) {
        const last = entries.length === count ? parseId(entries.at(-1)!.id)! : null;
        if (last && (bound === null || compareIds(last, bound) < 0)) bound = last;
      }
      const merged = replies
        .flat()
        .map((entry) => parseId(entry.id)!)
        .filter((id) => bound === null || compareIds(id, bound) <= 0)
        .sort(compareIds)
        .map(formatId);
      // At least one script per round, so an empty merge still checks the cursor.
      let seen = from;
      let next = 0;
      do {
        // Without a type filter nearly every body is wanted: ask for no more than the page lacks.
        const batch = merged.slice(next, next + (query.types ? chunk : query.limit - found.length));
        if (this.collect(query, await this.bodies(seen, batch), found)) return found;
        next += batch.length;
        seen = batch.at(-1) ?? seen;
      } while (next < merged.length);
      if (bound === null) return found;
      from = formatId(bound);
      if (merged.length < chunk) count = Math.min(chunk, count * 2);
    }
  }

  /** The bodies of `ids`, refused with cursor_expired if a trim went past `seen` meanwhile. */
  private async bodies(seen: string, ids: readonly string[]): Promise<RawEntry[]> {
    const reply = (await guarded(bodiesScript.run(this.redis, [this.keys.events, this.keys.eventsTrimmed], [seen, ...ids]))) as
      ['expired', string] | ['events', RawEntry[]];
    if (reply[0] === 'expired') throw expiredEventCursor(reply[1]);
    return reply[1];
  }

  /** Adds the entries the query wants to `found`; true once the page is full. */
  private collect(query: EventQuery, entries: readonly RawEntry[], found: CaseEvent[]): boolean {
    for (const entry of entries) {
      const event = toEvent(entry);
      if (query.team !== undefined && event.team !== query.team) continue;
      if (query.types !== undefined && !query.types.includes(event.type)) continue;
      found.push(withoutTeam(event));
      if (found.length === query.limit) return true;
    }
    return false;
  }

  async forCase(caseId: string, afterSeq: number, limit: number): Promise<CaseEvent[]> {
    const range = caseEventRange(afterSeq, limit);
    if (!range) return [];
    const keys = [this.keys.caseEventIds(caseId), this.keys.caseEvents(caseId), this.keys.events, this.keys.caseEventSeq(caseId)];
    const args = [String(range.firstSeq), String(range.limit)];
    const reply = (await guarded(readCaseScript.run(this.redis, keys, args))) as ['expired', number] | ['events', RawEntry[]];
    if (reply[0] === 'expired') throw expiredEventCursor(reply[1]);
    return reply[1].map((entry) => withoutTeam(toEvent(entry)));
  }

  async numberAfter(caseId: string, seq: number): Promise<void> {
    await guarded(numberAfterScript.run(this.redis, [this.keys.caseEventSeq(caseId), this.keys.caseEventIds(caseId)], [String(seq)]));
  }

  async lastId(): Promise<string> {
    const [newest, trimmed] = await Promise.all([
      guarded(this.redis.xRevRange(this.keys.events, '+', '-', { COUNT: 1 })),
      guarded(this.redis.get(this.keys.eventsTrimmed)),
    ]);
    return newest?.[0]?.id ?? trimmed ?? this.beginning;
  }

  async oldest(): Promise<string> {
    return (await guarded(this.redis.get(this.keys.eventsTrimmed))) ?? this.beginning;
  }

  /**
   * Reads the oldest events (stream ids are the ms Redis stored them at), then removes them with
   * their index entries and seq mappings in one script. Nodes trimming at once remove each event
   * once: the second script finds nothing left below the same bound.
   */
  async trim(before: number, limit: number): Promise<number> {
    const k = this.keys;
    const oldest = (await guarded(this.redis.xRange(k.events, '-', `(${Math.max(0, Math.floor(before))}-0`, { COUNT: limit }))) as Array<{
      id: string;
      message: Record<string, string>;
    }>;
    const last = oldest.at(-1);
    if (!last) return 0;
    const teams = new Set<string>();
    // a case's trimmed events are consecutive seqs: the first and the last
    const cases = new Map<string, [number, number]>();
    for (const { message } of oldest) {
      teams.add(message.team!);
      const seq = Number(message.seq);
      const seen = cases.get(message.caseId!);
      cases.set(message.caseId!, seen ? [seen[0], seq] : [seq, seq]);
    }
    const [ms, n] = parseId(last.id)!;
    const keys = [
      k.events,
      k.eventsTrimmed,
      ...[...teams].map((team) => k.teamEvents(team)),
      ...[...cases.keys()].flatMap((caseId) => [k.caseEvents(caseId), k.caseEventIds(caseId), k.caseEventSeq(caseId)]),
    ];
    const args = [`${ms}-${n + 1n}`, last.id, String(teams.size), ...[...cases.values()].flatMap(([a, b]) => [String(a), String(b)])];
    return Number(await guarded(trimScript.run(this.redis, keys, args)));
  }

  compare(a: string, b: string): number | null {
    const x = parseId(a);
    const y = parseId(b);
    return x && y ? compareIds(x, y) : null;
  }

  onAppended(listener: (teams: readonly string[]) => void): () => void {
    return this.appended.listen(listener);
  }
}
