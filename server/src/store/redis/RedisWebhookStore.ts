/**
 * Webhooks on Redis. Keys, under the prefix:
 *
 *   webhook:{id}                 hash: record (JSON, without secret), secret, team, cursor
 *   webhooks                     sorted set (score 0) of "createdAt|id"
 *   webhook:{id}:deliveries      stream of attempts (newest read first)
 *   webhook:{id}:failures        hash eventId -> failed attempts
 *
 * Logging an attempt and moving the cursor past a delivered event is one script, like the SQLite
 * transaction it mirrors.
 */
import { CaseroomError, type Page, type WebhookDelivery } from '@caseroom/shared';
import { decodeCursor, encodeCursor } from '../cursor.js';
import type { DeliveryQuery, StoredWebhook, WebhookStore } from '../WebhookStore.js';
import type { RedisClient } from './RedisStore.js';

/** KEYS: webhook, deliveries, failures. ARGV: delivery JSON, outcome, eventId -> 0 when the webhook is gone. */
const recordAttemptScript = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('XADD', KEYS[2], '*', 'd', ARGV[1])
if ARGV[2] == 'delivered' then redis.call('HSET', KEYS[1], 'cursor', ARGV[3]) else redis.call('HINCRBY', KEYS[3], ARGV[3], 1) end
return 1`;

export class RedisWebhookStore implements WebhookStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly lastEventId: () => Promise<string>,
  ) {}

  private key(suffix: string): string {
    return `${this.prefix}${suffix}`;
  }

  async create(webhook: StoredWebhook): Promise<void> {
    const { secret, ...shown } = webhook;
    // The cursor is read just before storing; an event stored in between is delivered too (at-least-once).
    const cursor = await this.lastEventId();
    await this.redis
      .multi()
      .hSet(this.key(`webhook:${webhook.id}`), { record: JSON.stringify(shown), secret, team: webhook.team, cursor })
      .zAdd(this.key('webhooks'), { score: 0, value: `${webhook.createdAt}|${webhook.id}` })
      .exec();
  }

  async get(id: string): Promise<StoredWebhook | null> {
    const fields = await this.redis.hGetAll(this.key(`webhook:${id}`));
    return fields.record ? { ...(JSON.parse(fields.record) as Omit<StoredWebhook, 'secret'>), secret: fields.secret ?? '' } : null;
  }

  async list(team?: string): Promise<StoredWebhook[]> {
    const members = await this.redis.zRange(this.key('webhooks'), 0, -1);
    const all = await Promise.all(members.map((m) => this.get(m.slice(m.indexOf('|') + 1))));
    return all.filter((w): w is StoredWebhook => w !== null && (team === undefined || w.team === team));
  }

  async remove(id: string): Promise<boolean> {
    const webhook = await this.get(id);
    if (!webhook) return false;
    await this.redis
      .multi()
      .del([this.key(`webhook:${id}`), this.key(`webhook:${id}:deliveries`), this.key(`webhook:${id}:failures`)])
      .zRem(this.key('webhooks'), `${webhook.createdAt}|${id}`)
      .exec();
    return true;
  }

  async cursor(id: string): Promise<string | null> {
    return (await this.redis.hGet(this.key(`webhook:${id}`), 'cursor')) ?? null;
  }

  async recordAttempt(delivery: WebhookDelivery): Promise<boolean> {
    const id = delivery.webhookId;
    const kept = await this.redis.eval(recordAttemptScript, {
      keys: [this.key(`webhook:${id}`), this.key(`webhook:${id}:deliveries`), this.key(`webhook:${id}:failures`)],
      arguments: [JSON.stringify(delivery), delivery.outcome, delivery.eventId],
    });
    return Number(kept) === 1;
  }

  async failedAttempts(webhookId: string, eventId: string): Promise<number> {
    return Number((await this.redis.hGet(this.key(`webhook:${webhookId}:failures`), eventId)) ?? 0);
  }

  async deliveries(query: DeliveryQuery): Promise<Page<WebhookDelivery>> {
    let end = '+';
    if (query.cursor !== undefined) {
      const [id] = decodeCursor(query.cursor, 1) as [string];
      if (!/^\d{1,20}-\d{1,20}$/.test(id)) throw new CaseroomError('invalid_payload', 'The cursor is not valid', { field: 'cursor' });
      end = `(${id}`;
    }
    const found: Array<{ id: string; delivery: WebhookDelivery }> = [];
    // The outcome filter is applied here, so read on until the page is full.
    while (found.length <= query.limit) {
      const entries = (await this.redis.xRevRange(this.key(`webhook:${query.webhookId}:deliveries`), end, '-', { COUNT: 200 })) as Array<{
        id: string;
        message: Record<string, string>;
      }>;
      for (const entry of entries) {
        const delivery = JSON.parse(entry.message.d!) as WebhookDelivery;
        if (query.outcome === undefined || delivery.outcome === query.outcome) found.push({ id: entry.id, delivery });
      }
      if (entries.length < 200) break;
      end = `(${entries.at(-1)!.id}`;
    }
    const page = found.slice(0, query.limit);
    const last = page.at(-1);
    return { items: page.map((f) => f.delivery), nextCursor: found.length > query.limit && last ? encodeCursor([last.id]) : null };
  }
}
