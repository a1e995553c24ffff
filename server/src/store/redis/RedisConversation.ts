/**
 * The conversation on Redis. A case's messages are a hash seq -> record (seqs are dense, so the
 * hash's length is the last seq and a page is a range of fields), written once; what changes
 * later sits in hashes beside it (delivery reports, corrected texts, redactions). Appending is one
 * script: the idempotency check on the external id, the numbering, the case's waiting time and
 * its index, and the events.
 */
import type { Channel, Composing, Delivery, DeliveryStatus, Message, Speaker } from '@caseroom/shared';
import type { ConversationStore, MessageRange, NewMessage, SpeakingRight, StoredFloor } from '../ConversationStore.js';
import type { NewCaseEvent } from '../EventStore.js';
import { guarded, type Redis } from './connection.js';
import { LuaScript } from './LuaScript.js';
import { appendEventsLua, eventArgs, type RedisEvents } from './RedisEvents.js';
import type { RedisKeys } from './RedisKeys.js';

/**
 * KEYS: messages, deliveries, corrections, redactions, idempotency keys, last inbound, case,
 * waiting (team), waiting (all), ownership, floor, the amended message's corrections, events…
 * ARGV: record JSON without its seq, idempotency key or '', delivery JSON or '', kind, '1' for an
 * inbound message, replaces or '', body, at, case id, channel, '1' to check the speaking right,
 * its ownership epoch, its floor JSON or '', events… -> the seq; 0 when the key is already
 * stored; nil when the speaking right no longer holds. The seq goes first into the record and
 * into each event's data.
 */
const appendScript = new LuaScript(`${appendEventsLua}
if ARGV[2] ~= '' and redis.call('HEXISTS', KEYS[5], ARGV[2]) == 1 then return 0 end
if ARGV[11] == '1' then
  local epoch = redis.call('HGET', KEYS[10], 'epoch') or '0'
  local floor = redis.call('GET', KEYS[11]) or ''
  if epoch ~= ARGV[12] or floor ~= ARGV[13] then return false end
end
local seq = redis.call('HLEN', KEYS[1]) + 1
local function with_seq(json)
  if json == '{}' then return '{"seq":' .. seq .. '}' end
  return '{"seq":' .. seq .. ',' .. string.sub(json, 2)
end
redis.call('HSET', KEYS[1], seq, with_seq(ARGV[1]))
if ARGV[2] ~= '' then redis.call('HSET', KEYS[5], ARGV[2], seq) end
if ARGV[3] ~= '' then redis.call('HSET', KEYS[2], seq, ARGV[3]) end
if ARGV[6] ~= '' and ARGV[4] == 'correction' then
  redis.call('HSET', KEYS[3], ARGV[6], ARGV[7])
  redis.call('SADD', KEYS[12], seq)
end
if ARGV[6] ~= '' and ARGV[4] == 'redaction' then
  redis.call('HSET', KEYS[4], ARGV[6], '1')
  for _, correction in ipairs(redis.call('SMEMBERS', KEYS[12])) do redis.call('HSET', KEYS[4], correction, '1') end
end
if ARGV[4] == 'message' then
  local since = redis.call('HGET', KEYS[7], 'waitingSince')
  if ARGV[5] == '1' then
    redis.call('HSET', KEYS[6], '*', seq, ARGV[10], seq)
    if not since then
      redis.call('HSET', KEYS[7], 'waitingSince', ARGV[8])
      redis.call('ZADD', KEYS[8], 0, ARGV[8] .. '\\0' .. ARGV[9])
      redis.call('ZADD', KEYS[9], 0, ARGV[8] .. '\\0' .. ARGV[9])
    end
  elseif since then
    redis.call('HDEL', KEYS[7], 'waitingSince')
    redis.call('ZREM', KEYS[8], since .. '\\0' .. ARGV[9])
    redis.call('ZREM', KEYS[9], since .. '\\0' .. ARGV[9])
  end
end
for i = 14 + ${eventArgs - 1}, #ARGV, ${eventArgs} do ARGV[i] = with_seq(ARGV[i]) end
append_events(13, 14)
return seq`);

/** KEYS: deliveries, events… ARGV: seq, expected status, delivery JSON, events… -> 1 when stored. */
const reportScript = new LuaScript(`${appendEventsLua}
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current or cjson.decode(current).status ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
append_events(2, 4)
return 1`);

/** KEYS: floor, events… ARGV: floor JSON or '' (taken back), events… */
const floorScript = new LuaScript(`${appendEventsLua}
if ARGV[1] == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[1]) end
append_events(2, 2)
return 1`);

/** A case's composing marks outlive their last renewal by this much at most. */
const composingKeyTtlMs = 60_000;

export class RedisConversation implements ConversationStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly events: RedisEvents,
  ) {}

  async append(
    message: NewMessage,
    team: string,
    events: readonly NewCaseEvent[],
    options: { key?: string | null; right?: SpeakingRight } = {},
  ): Promise<{ message: Message; duplicate: boolean } | null> {
    const k = this.keys;
    const id = message.caseId;
    const key = options.key ?? null;
    const { right } = options;
    const keys = [
      k.messages(id),
      k.messageChanges(id, 'deliveries'),
      k.messageChanges(id, 'corrections'),
      k.messageChanges(id, 'redactions'),
      k.messageKeys(id),
      k.lastInbound(id),
      k.case(id),
      k.waitingCases(team),
      k.waitingCases(),
      k.ownership(id),
      k.floor(id),
      k.messageAmendments(id, message.replaces ?? 0),
    ];
    const args = [
      JSON.stringify(message),
      key ?? '',
      message.delivery ? JSON.stringify(message.delivery) : '',
      message.kind,
      message.direction === 'in' && message.kind === 'message' ? '1' : '',
      message.replaces === null ? '' : String(message.replaces),
      message.body,
      message.at,
      id,
      message.channel,
      right ? '1' : '',
      right ? String(right.epoch) : '',
      right?.floor ? JSON.stringify(right.floor) : '',
    ];
    const reply = await this.events.write(appendScript, keys, args, events);
    if (reply === null) return null;
    const seq = Number(reply);
    if (seq > 0) return { message: { ...message, seq }, duplicate: false };
    const first = await guarded(this.redis.hGet(k.messageKeys(id), key!));
    const stored = first === null || first === undefined ? null : await this.get(id, Number(first));
    if (!stored) throw new Error(`a message of case ${id} is indexed by its idempotency key but not stored`);
    return { message: stored, duplicate: true };
  }

  async get(caseId: string, seq: number): Promise<Message | null> {
    const [message] = await this.read(caseId, [seq]);
    return message ?? null;
  }

  async list(caseId: string, range: MessageRange): Promise<Message[]> {
    const last = await this.lastSeq(caseId);
    const first = range.after !== undefined ? range.after + 1 : Math.max(1, Math.min(range.before ?? last + 1, last + 1) - range.limit);
    const end = range.after !== undefined ? Math.min(last, range.after + range.limit) : Math.min(last, (range.before ?? last + 1) - 1);
    const seqs: number[] = [];
    for (let seq = first; seq <= end; seq++) seqs.push(seq);
    return this.read(caseId, seqs);
  }

  async lastSeq(caseId: string): Promise<number> {
    return guarded(this.redis.hLen(this.keys.messages(caseId)));
  }

  async lastInbound(caseId: string, channel?: Channel): Promise<Message | null> {
    const seq = await guarded(this.redis.hGet(this.keys.lastInbound(caseId), channel ?? '*'));
    return seq === null || seq === undefined ? null : this.get(caseId, Number(seq));
  }

  async report(
    caseId: string,
    seq: number,
    expected: DeliveryStatus,
    delivery: Delivery,
    events: readonly NewCaseEvent[],
  ): Promise<Message | null> {
    const keys = [this.keys.messageChanges(caseId, 'deliveries')];
    const stored = await this.events.write(reportScript, keys, [String(seq), expected, JSON.stringify(delivery)], events);
    return stored === 1 ? this.get(caseId, seq) : null;
  }

  async floor(caseId: string): Promise<StoredFloor | null> {
    const json = await guarded(this.redis.get(this.keys.floor(caseId)));
    return json ? (JSON.parse(json) as StoredFloor) : null;
  }

  async setFloor(caseId: string, floor: StoredFloor | null, events: readonly NewCaseEvent[]): Promise<void> {
    await this.events.write(floorScript, [this.keys.floor(caseId)], [floor ? JSON.stringify(floor) : ''], events);
  }

  async compose(caseId: string, speaker: Speaker, until: number | null): Promise<void> {
    const key = this.keys.composing(caseId);
    if (until === null) {
      await guarded(this.redis.hDel(key, speaker.userId));
      return;
    }
    await guarded(
      this.redis
        .multi()
        .hSet(key, speaker.userId, JSON.stringify({ speaker, until }))
        .pExpire(key, Math.max(0, until - Date.now()) + composingKeyTtlMs)
        .exec(),
    );
  }

  async composing(caseId: string, now: number): Promise<Composing[]> {
    const marks = await guarded(this.redis.hGetAll(this.keys.composing(caseId)));
    const running: Composing[] = [];
    for (const json of Object.values(marks)) {
      const { speaker, until } = JSON.parse(json) as { speaker: Speaker; until: number };
      if (until > now) running.push({ person: speaker, composing: true, until: new Date(until).toISOString() });
    }
    return running.sort((a, b) => Date.parse(a.until!) - Date.parse(b.until!));
  }

  /** The messages of these seqs, as readers see them (absent ones left out), in the order asked. */
  private async read(caseId: string, seqs: readonly number[]): Promise<Message[]> {
    if (seqs.length === 0) return [];
    const k = this.keys;
    const fields = seqs.map(String);
    const [records, deliveries, corrections, redactions] = await guarded(
      Promise.all([
        this.redis.hmGet(k.messages(caseId), fields),
        this.redis.hmGet(k.messageChanges(caseId, 'deliveries'), fields),
        this.redis.hmGet(k.messageChanges(caseId, 'corrections'), fields),
        this.redis.hmGet(k.messageChanges(caseId, 'redactions'), fields),
      ]),
    );
    const messages: Message[] = [];
    records.forEach((json, i) => {
      if (!json) return;
      const message = JSON.parse(json) as Message;
      const delivery = deliveries[i];
      if (delivery) message.delivery = JSON.parse(delivery) as Delivery;
      if (redactions[i]) messages.push({ ...message, body: '', attachments: [], customer: null, redacted: true });
      else messages.push(corrections[i] ? { ...message, body: corrections[i]! } : message);
    });
    return messages;
  }
}
