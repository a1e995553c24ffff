/**
 * Webhooks in the embedded store: tables in the SqliteStore's database, so a webhook's cursor
 * can start at the newest event in the same transaction that creates it.
 */
import type { Page, WebhookDelivery } from '@caseroom/shared';
import type Database from 'better-sqlite3';
import { cursorSeq, pageOf } from '../cursor.js';
import { webhookAlreadyStored, type DeliveryQuery, type StoredWebhook, type WebhookStore } from '../WebhookStore.js';
import { SqlFilter } from './SqlFilter.js';
import { lastOfOldPrefix } from './oldPrefix.js';

const schema = `
CREATE TABLE IF NOT EXISTS webhooks (
  id TEXT PRIMARY KEY,
  team TEXT NOT NULL,
  created_at TEXT NOT NULL,
  record TEXT NOT NULL,
  secret TEXT NOT NULL,
  cursor INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS webhook_deliveries (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  webhook_id TEXT NOT NULL,
  event_id INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, seq);
CREATE INDEX IF NOT EXISTS webhook_deliveries_by_outcome ON webhook_deliveries (webhook_id, outcome, seq);
CREATE INDEX IF NOT EXISTS webhook_deliveries_by_event ON webhook_deliveries (webhook_id, event_id);
`;

interface WebhookRow {
  record: string;
  secret: string;
}

function toWebhook(row: WebhookRow): StoredWebhook {
  return { ...(JSON.parse(row.record) as Omit<StoredWebhook, 'secret'>), secret: row.secret };
}

export class SqliteWebhooks implements WebhookStore {
  private readonly statements;

  /** `db` must already hold the `events` table (SqliteEvents creates it). */
  constructor(private readonly db: Database.Database) {
    db.exec(schema);
    this.statements = {
      insert: db.prepare(
        `INSERT INTO webhooks (id, team, created_at, record, secret, cursor) VALUES (?, ?, ?, ?, ?,
          coalesce((SELECT max(id) FROM events), (SELECT value FROM event_log WHERE name = 'trimmed_through'), 0))`,
      ),
      get: db.prepare<[string], WebhookRow>('SELECT record, secret FROM webhooks WHERE id = ?'),
      all: db.prepare<[], WebhookRow>('SELECT record, secret FROM webhooks ORDER BY created_at, id'),
      ofTeam: db.prepare<[string], WebhookRow>('SELECT record, secret FROM webhooks WHERE team = ? ORDER BY created_at, id'),
      remove: db.prepare('DELETE FROM webhooks WHERE id = ?'),
      removeDeliveries: db.prepare('DELETE FROM webhook_deliveries WHERE webhook_id = ?'),
      cursor: db.prepare<[string], { cursor: number }>('SELECT cursor FROM webhooks WHERE id = ?'),
      exists: db.prepare<[string], { id: string }>('SELECT id FROM webhooks WHERE id = ?'),
      insertDelivery: db.prepare('INSERT INTO webhook_deliveries (webhook_id, event_id, outcome, record) VALUES (?, ?, ?, ?)'),
      advance: db.prepare('UPDATE webhooks SET cursor = ? WHERE id = ? AND cursor < ?'),
      oldestDeliveries: db.prepare<[number], { seq: number; at: string }>(
        "SELECT seq, json_extract(record, '$.at') AS at FROM webhook_deliveries ORDER BY seq LIMIT ?",
      ),
      deleteDeliveriesThrough: db.prepare('DELETE FROM webhook_deliveries WHERE seq <= ?'),
      failedAttempts: db.prepare<[string, number], { n: number }>(
        "SELECT COUNT(*) AS n FROM webhook_deliveries WHERE webhook_id = ? AND event_id = ? AND outcome = 'failed'",
      ),
    };
  }

  async create(webhook: StoredWebhook): Promise<void> {
    const { secret, ...shown } = webhook;
    this.db.transaction(() => {
      if (this.statements.exists.get(webhook.id)) throw webhookAlreadyStored(webhook.id);
      this.statements.insert.run(webhook.id, webhook.team, webhook.createdAt, JSON.stringify(shown), secret);
    })();
  }

  async get(id: string): Promise<StoredWebhook | null> {
    const row = this.statements.get.get(id);
    return row ? toWebhook(row) : null;
  }

  async list(team?: string): Promise<StoredWebhook[]> {
    return (team === undefined ? this.statements.all.all() : this.statements.ofTeam.all(team)).map(toWebhook);
  }

  async remove(id: string): Promise<boolean> {
    return this.db.transaction(() => {
      this.statements.removeDeliveries.run(id);
      return this.statements.remove.run(id).changes === 1;
    })();
  }

  async cursor(id: string): Promise<string | null> {
    const row = this.statements.cursor.get(id);
    return row ? String(row.cursor) : null;
  }

  async moveCursor(id: string, cursor: string): Promise<boolean> {
    const eventId = Number(cursor);
    return this.db.transaction(() => {
      if (!this.statements.exists.get(id)) return false;
      this.statements.advance.run(eventId, id, eventId);
      return true;
    })();
  }

  async recordAttempt(delivery: WebhookDelivery): Promise<boolean> {
    const eventId = Number(delivery.eventId);
    return this.db.transaction(() => {
      if (!this.statements.exists.get(delivery.webhookId)) return false;
      this.statements.insertDelivery.run(delivery.webhookId, eventId, delivery.outcome, JSON.stringify(delivery));
      if (delivery.outcome !== 'failed') this.statements.advance.run(eventId, delivery.webhookId, eventId);
      return true;
    })();
  }

  async failedAttempts(webhookId: string, eventId: string): Promise<number> {
    return this.statements.failedAttempts.get(webhookId, Number(eventId))!.n;
  }

  async trimDeliveries(before: number, limit: number): Promise<number> {
    const cutoff = new Date(before).toISOString();
    return this.db.transaction(() => {
      const last = lastOfOldPrefix(this.statements.oldestDeliveries.all(limit), cutoff);
      return last === undefined ? 0 : this.statements.deleteDeliveriesThrough.run(last.seq).changes;
    })();
  }

  async deliveries(query: DeliveryQuery): Promise<Page<WebhookDelivery>> {
    const filter = new SqlFilter()
      .equals('webhook_id', query.webhookId)
      .equals('outcome', query.outcome)
      .below('seq', query.cursor === undefined ? undefined : cursorSeq(query.cursor));
    const sql = `SELECT seq, record FROM webhook_deliveries ${filter} ORDER BY seq DESC LIMIT ?`;
    const rows = this.db.prepare<unknown[], { seq: number; record: string }>(sql).all(...filter.params, query.limit + 1);
    const page = pageOf(rows, query.limit, (row) => row.seq);
    return { items: page.items.map((row) => JSON.parse(row.record) as WebhookDelivery), nextCursor: page.nextCursor };
  }
}
