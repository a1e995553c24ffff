/**
 * Webhooks in the cluster store, under the RedisStore's prefix (layout in RedisStore.ts). As in
 * SQLite, creating a webhook reads its starting cursor from the event log in the same atomic step,
 * and logging a delivered attempt moves the cursor in the same step as the log line.
 */
import { deliveryOutcomes, type Page, type WebhookDelivery } from '@caseroom/shared';
import { cursorSeq, pageOf } from '../cursor.js';
import { webhookAlreadyStored, type DeliveryQuery, type StoredWebhook, type WebhookStore } from '../WebhookStore.js';
import { guarded, type Redis } from './connection.js';
import { idOfMember, lexMember } from './lexIndex.js';
import { LuaScript } from './LuaScript.js';
import type { RedisKeys } from './RedisKeys.js';

/**
 * KEYS: webhook, all webhooks, the team's webhooks, events, the events' trimmed mark. ARGV:
 * record, secret, team, member -> 0 when the id is taken.
 */
const createScript = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local newest = redis.call('XREVRANGE', KEYS[4], '+', '-', 'COUNT', 1)
local cursor = redis.call('GET', KEYS[5]) or '0-0'
if newest[1] then cursor = newest[1][1] end
redis.call('HSET', KEYS[1], 'record', ARGV[1], 'secret', ARGV[2], 'team', ARGV[3], 'member', ARGV[4], 'cursor', cursor)
redis.call('ZADD', KEYS[2], 0, ARGV[4])
redis.call('ZADD', KEYS[3], 0, ARGV[4])
return 1`);

/** KEYS: webhook, all webhooks, the team's webhooks, its deliveries, their indexes, failures. */
const removeScript = new LuaScript(`
local member = redis.call('HGET', KEYS[1], 'member')
if not member then return 0 end
redis.call('ZREM', KEYS[2], member)
redis.call('ZREM', KEYS[3], member)
redis.call('UNLINK', unpack(KEYS, 4))
redis.call('DEL', KEYS[1])
return 1`);

/** Lua: whether stream id `a` comes after stream id `b`. */
const isLater = `
local function isLater(a, b)
  local am, an = string.match(a, '^(%d+)-(%d+)$')
  local bm, bn = string.match(b, '^(%d+)-(%d+)$')
  am, an, bm, bn = tonumber(am), tonumber(an), tonumber(bm), tonumber(bn)
  return am > bm or (am == bm and an > bn)
end`;

/** KEYS: webhook. ARGV: event id -> 0 when the webhook is gone. The cursor only moves forward. */
const moveCursorScript = new LuaScript(`${isLater}
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if isLater(ARGV[1], redis.call('HGET', KEYS[1], 'cursor')) then redis.call('HSET', KEYS[1], 'cursor', ARGV[1]) end
return 1`);

/**
 * KEYS: webhook, deliveries, all-deliveries index, this outcome's index, failures.
 * ARGV: delivery, outcome, event id -> 0 when the webhook is gone. The cursor only moves forward.
 */
const recordAttemptScript = new LuaScript(`${isLater}
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local seq = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
redis.call('HSET', KEYS[2], seq, ARGV[1])
redis.call('ZADD', KEYS[3], seq, seq)
redis.call('ZADD', KEYS[4], seq, seq)
if ARGV[2] == 'failed' then
  redis.call('HINCRBY', KEYS[5], ARGV[3], 1)
elseif isLater(ARGV[3], redis.call('HGET', KEYS[1], 'cursor')) then
  redis.call('HSET', KEYS[1], 'cursor', ARGV[3])
end
return 1`);

/**
 * KEYS: deliveries, failures, their all-index, then one index per outcome. ARGV: the oldest time
 * kept (ISO), how many records at most -> how many it removed. Records are numbered in the order
 * they are made, so the old ones come first. A failed record removed leaves its event's failure
 * count with it, so the count is always the failed records kept (as SQLite counts them) and the
 * hash shrinks with the log. Clearing an event's count once the cursor passed it instead would
 * still let a long-failing event count attempts whose records are gone.
 */
const trimDeliveriesScript = new LuaScript(`
local removed = 0
for _, seq in ipairs(redis.call('ZRANGE', KEYS[3], 0, tonumber(ARGV[2]) - 1)) do
  local record = redis.call('HGET', KEYS[1], seq)
  local delivery = record and cjson.decode(record)
  if delivery and delivery.at >= ARGV[1] then break end
  if delivery and delivery.outcome == 'failed' then
    if (tonumber(redis.call('HGET', KEYS[2], delivery.eventId)) or 0) > 1 then
      redis.call('HINCRBY', KEYS[2], delivery.eventId, -1)
    else
      redis.call('HDEL', KEYS[2], delivery.eventId)
    end
  end
  redis.call('HDEL', KEYS[1], seq)
  for i = 3, #KEYS do redis.call('ZREM', KEYS[i], seq) end
  removed = removed + 1
end
return removed`);

export class RedisWebhooks implements WebhookStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async create(webhook: StoredWebhook): Promise<void> {
    const { secret, ...shown } = webhook;
    const k = this.keys;
    const keys = [k.webhook(webhook.id), k.webhooks(), k.webhooks(webhook.team), k.events, k.eventsTrimmed];
    const args = [JSON.stringify(shown), secret, webhook.team, lexMember(webhook.createdAt, webhook.id)];
    if ((await guarded(createScript.run(this.redis, keys, args))) === 0) throw webhookAlreadyStored(webhook.id);
  }

  async get(id: string): Promise<StoredWebhook | null> {
    const [record, secret] = await guarded(this.redis.hmGet(this.keys.webhook(id), ['record', 'secret']));
    return record && typeof secret === 'string' ? { ...(JSON.parse(record) as Omit<StoredWebhook, 'secret'>), secret } : null;
  }

  /** Oldest first. */
  async list(team?: string): Promise<StoredWebhook[]> {
    const members = await guarded(this.redis.zRange(this.keys.webhooks(team), '-', '+', { BY: 'LEX' }));
    const webhooks = await Promise.all(members.map((member) => this.get(idOfMember(member))));
    return webhooks.filter((w): w is StoredWebhook => w !== null);
  }

  async remove(id: string): Promise<boolean> {
    // The team names one of the indexes; it never changes, so it can be read first.
    const team = await guarded(this.redis.hGet(this.keys.webhook(id), 'team'));
    if (typeof team !== 'string') return false;
    const k = this.keys;
    const keys = [
      k.webhook(id),
      k.webhooks(),
      k.webhooks(team),
      k.deliveries(id),
      k.deliveryIndex(id),
      ...deliveryOutcomes.map((outcome) => k.deliveryIndex(id, outcome)),
      k.failures(id),
    ];
    return (await guarded(removeScript.run(this.redis, keys, []))) === 1;
  }

  async cursor(id: string): Promise<string | null> {
    return (await guarded(this.redis.hGet(this.keys.webhook(id), 'cursor'))) ?? null;
  }

  async moveCursor(id: string, cursor: string): Promise<boolean> {
    return (await guarded(moveCursorScript.run(this.redis, [this.keys.webhook(id)], [cursor]))) === 1;
  }

  async recordAttempt(delivery: WebhookDelivery): Promise<boolean> {
    const k = this.keys;
    const id = delivery.webhookId;
    const keys = [k.webhook(id), k.deliveries(id), k.deliveryIndex(id), k.deliveryIndex(id, delivery.outcome), k.failures(id)];
    const args = [JSON.stringify(delivery), delivery.outcome, delivery.eventId];
    return (await guarded(recordAttemptScript.run(this.redis, keys, args))) === 1;
  }

  async failedAttempts(webhookId: string, eventId: string): Promise<number> {
    return Number((await guarded(this.redis.hGet(this.keys.failures(webhookId), eventId))) ?? 0);
  }

  async trimDeliveries(before: number, limit: number): Promise<number> {
    const cutoff = new Date(before).toISOString();
    const k = this.keys;
    let removed = 0;
    for (const webhook of await this.list()) {
      if (removed >= limit) break;
      const id = webhook.id;
      const keys = [
        k.deliveries(id),
        k.failures(id),
        k.deliveryIndex(id),
        ...deliveryOutcomes.map((outcome) => k.deliveryIndex(id, outcome)),
      ];
      removed += Number(await guarded(trimDeliveriesScript.run(this.redis, keys, [cutoff, String(limit - removed)])));
    }
    return removed;
  }

  /** Newest first. */
  async deliveries(query: DeliveryQuery): Promise<Page<WebhookDelivery>> {
    const before = query.cursor === undefined ? '+inf' : `(${cursorSeq(query.cursor)}`;
    const index = this.keys.deliveryIndex(query.webhookId, query.outcome);
    const limit = { offset: 0, count: query.limit + 1 };
    const seqs = await guarded(this.redis.zRange(index, before, '-inf', { BY: 'SCORE', REV: true, LIMIT: limit }));
    const page = pageOf(seqs, query.limit, (seq) => Number(seq));
    const records = page.items.length === 0 ? [] : await guarded(this.redis.hmGet(this.keys.deliveries(query.webhookId), page.items));
    return {
      items: records.filter((r): r is string => typeof r === 'string').map((r) => JSON.parse(r) as WebhookDelivery),
      nextCursor: page.nextCursor,
    };
  }
}
