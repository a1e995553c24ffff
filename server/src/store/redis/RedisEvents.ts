/**
 * The case event log on Redis streams. Every event gets its id from XADD on the one global
 * stream and is added under that same id to its team's and its case's stream, so any of the three
 * can be read after a cursor and merged with the others in id order. The per-case `seq` is
 * assigned in the same script, and a hash maps it back to the id for reads by sequence number.
 * Every aggregate of the RedisStore that stores events runs its script through `write`, so a
 * change and its events are one atomic step and readers are told once Redis has stored them.
 */
import type { CaseEvent, CaseEventType } from '@caseroom/shared';
import type { RedisArgument } from 'redis';
import { AppendSignal } from '../AppendSignal.js';
import {
  caseEventRange,
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
 * Lua appending the events a script was given, after the change they describe, in the same
 * atomic step, numbered within their case as EventStore.ts says. KEYS[k] is the global stream,
 * followed by three keys per event (its team's stream, its case's stream, its case's seq -> id
 * hash); ARGV from `a` holds `eventArgs` fields per event.
 */
export const appendEventsLua = `
local function append_events(k, a)
  local written = {}
  for i = 0, (#ARGV - a + 1) / ${eventArgs} - 1 do
    local f, e = a + i * ${eventArgs}, k + i * 3
    local seq = redis.call('HLEN', KEYS[e + 3]) + 1
    local fields = {'caseId', ARGV[f], 'team', ARGV[f + 1], 'seq', tostring(seq), 'type', ARGV[f + 2],
      'at', ARGV[f + 3], 'actor', ARGV[f + 4], 'data', ARGV[f + 5]}
    local id = redis.call('XADD', KEYS[k], '*', unpack(fields))
    redis.call('XADD', KEYS[e + 1], id, unpack(fields))
    redis.call('XADD', KEYS[e + 2], id, unpack(fields))
    redis.call('HSET', KEYS[e + 3], seq, id)
    written[#written + 1] = {id, seq}
  end
  return written
end
`;

const appendOnly = new LuaScript(`${appendEventsLua}
return append_events(1, 1)`);

/** KEYS: the case's seq -> id hash, its stream. ARGV: first seq wanted, count. */
const readCaseScript = new LuaScript(`
local id = redis.call('HGET', KEYS[1], ARGV[1])
if not id then return {} end
return redis.call('XRANGE', KEYS[2], id, '+', 'COUNT', ARGV[2])`);

/** How many entries each stream is asked for at a time when a filter may skip many. */
const scanChunk = 200;

type StreamId = readonly [ms: bigint, seq: bigint];

/** A stream id `<ms>-<seq>`; `0` (the SQLite store's first cursor) also means "from the beginning". */
function parseId(id: string): StreamId | null {
  const match = /^(0|[1-9][0-9]{0,19})-(0|[1-9][0-9]{0,19})$/.exec(id === '0' ? '0-0' : id);
  return match ? [BigInt(match[1]!), BigInt(match[2]!)] : null;
}

function compareIds(a: StreamId, b: StreamId): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  return a[1] === b[1] ? 0 : a[1] < b[1] ? -1 : 1;
}

interface StreamEntry {
  id: string;
  message: Record<string, string>;
}

interface StoredEvent extends CaseEvent {
  team: string;
}

function toEvent(id: string, fields: Record<string, string>): StoredEvent {
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
    const eventKeys = [k.events, ...events.flatMap((e) => [k.teamEvents(e.team), k.caseEvents(e.caseId), k.caseEventIds(e.caseId)])];
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
   * Reads the smallest set of streams that holds every match (the listed cases', else the team's,
   * else the global one), merges them in id order and filters the rest here, chunk by chunk.
   */
  async read(query: EventQuery): Promise<CaseEvent[]> {
    const after = parseId(query.after ?? this.beginning);
    if (!after) throw invalidEventCursor();
    if (readsNothing(query)) return [];
    const { team, types } = query;
    const streams = query.caseIds
      ? [...new Set(query.caseIds)].map((id) => this.keys.caseEvents(id))
      : [team === undefined ? this.keys.events : this.keys.teamEvents(team)];
    const wanted = (e: StoredEvent): boolean => (team === undefined || e.team === team) && (types === undefined || types.includes(e.type));
    const chunk = Math.max(query.limit, scanChunk);
    const found: CaseEvent[] = [];
    let from = `${after[0]}-${after[1]}`;
    for (;;) {
      const replies = (await Promise.all(
        streams.map((s) => guarded(this.redis.xRange(s, `(${from}`, '+', { COUNT: chunk }))),
      )) as StreamEntry[][];
      // A stream that filled its chunk may hold more: the merge is complete only up to the
      // smallest last id among those, and the next round starts there.
      let bound: StreamId | null = null;
      for (const entries of replies) {
        const last = entries.length === chunk ? parseId(entries.at(-1)!.id)! : null;
        if (last && (bound === null || compareIds(last, bound) < 0)) bound = last;
      }
      const merged = replies
        .flat()
        .map((entry) => ({ entry, id: parseId(entry.id)! }))
        .filter(({ id }) => bound === null || compareIds(id, bound) <= 0)
        .sort((a, b) => compareIds(a.id, b.id));
      for (const { entry } of merged) {
        const event = toEvent(entry.id, entry.message);
        if (!wanted(event)) continue;
        found.push(withoutTeam(event));
        if (found.length === query.limit) return found;
      }
      if (bound === null) return found;
      from = `${bound[0]}-${bound[1]}`;
    }
  }

  async forCase(caseId: string, afterSeq: number, limit: number): Promise<CaseEvent[]> {
    const range = caseEventRange(afterSeq, limit);
    if (!range) return [];
    const keys = [this.keys.caseEventIds(caseId), this.keys.caseEvents(caseId)];
    const args = [String(range.firstSeq), String(range.limit)];
    const entries = (await guarded(readCaseScript.run(this.redis, keys, args))) as Array<[string, string[]]>;
    return entries.map(([id, flat]) => {
      const fields: Record<string, string> = {};
      for (let i = 0; i < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
      return withoutTeam(toEvent(id, fields));
    });
  }

  async lastId(): Promise<string> {
    const [last] = (await guarded(this.redis.xRevRange(this.keys.events, '+', '-', { COUNT: 1 }))) as StreamEntry[];
    return last?.id ?? this.beginning;
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
