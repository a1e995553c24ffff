/**
 * The conversation in the embedded store: one row per message, its record written once; beside
 * it, what changes about it later (the connector's delivery report, a correction's text, a
 * redaction). The floor and the composing marks have a table each. A message is numbered, its
 * events stored and the case's waiting time moved in one transaction.
 */
import type { Channel, Composing, Delivery, DeliveryStatus, Message, Speaker } from '@caseroom/shared';
import type Database from 'better-sqlite3';
import type { ConversationStore, MessageRange, NewMessage, SpeakingRight, StoredFloor } from '../ConversationStore.js';
import type { NewCaseEvent } from '../EventStore.js';
import type { SqliteEvents } from './SqliteEvents.js';

const schema = `
CREATE TABLE IF NOT EXISTS messages (
  case_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  inbound INTEGER NOT NULL,
  channel TEXT NOT NULL,
  kind TEXT NOT NULL,
  replaces INTEGER,
  idempotency_key TEXT,
  record TEXT NOT NULL,
  delivery TEXT,
  corrected_body TEXT,
  redacted INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (case_id, seq)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS messages_by_key ON messages (case_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS messages_by_replaced ON messages (case_id, replaces) WHERE replaces IS NOT NULL;
CREATE INDEX IF NOT EXISTS messages_inbound ON messages (case_id, seq) WHERE inbound = 1;
CREATE INDEX IF NOT EXISTS messages_inbound_by_channel ON messages (case_id, channel, seq) WHERE inbound = 1;
CREATE TABLE IF NOT EXISTS floors (
  case_id TEXT PRIMARY KEY,
  record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS composing (
  case_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  speaker TEXT NOT NULL,
  until INTEGER NOT NULL,
  PRIMARY KEY (case_id, user_id)
);
`;

interface MessageRow {
  record: string;
  delivery: string | null;
  corrected_body: string | null;
  redacted: number;
}

const columns = 'record, delivery, corrected_body, redacted';

/** The message as readers see it: its stored record with what was reported or amended since. */
function messageOf(row: MessageRow): Message {
  const message = JSON.parse(row.record) as Message;
  if (row.delivery !== null) message.delivery = JSON.parse(row.delivery) as Delivery;
  if (row.redacted === 1) return { ...message, body: '', attachments: [], customer: null, redacted: true };
  if (row.corrected_body !== null) message.body = row.corrected_body;
  return message;
}

export class SqliteConversation implements ConversationStore {
  private readonly statements;

  constructor(
    db: Database.Database,
    private readonly events: SqliteEvents,
  ) {
    db.exec(schema);
    this.statements = {
      lastSeq: db.prepare<[string], { seq: number }>('SELECT coalesce(max(seq), 0) AS seq FROM messages WHERE case_id = ?'),
      byKey: db.prepare<[string, string], MessageRow>(`SELECT ${columns} FROM messages WHERE case_id = ? AND idempotency_key = ?`),
      insert: db.prepare(
        'INSERT INTO messages (case_id, seq, inbound, channel, kind, replaces, idempotency_key, record, delivery) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      epoch: db.prepare<[string], { epoch: number }>('SELECT epoch FROM ownership WHERE case_id = ?'),
      correct: db.prepare('UPDATE messages SET corrected_body = ? WHERE case_id = ? AND seq = ?'),
      // A redaction hides the message and every correction of it.
      redact: db.prepare("UPDATE messages SET redacted = 1 WHERE case_id = ? AND (seq = ? OR (replaces = ? AND kind = 'correction'))"),
      startWaiting: db.prepare('UPDATE cases SET waiting_since = coalesce(waiting_since, ?) WHERE id = ?'),
      endWaiting: db.prepare('UPDATE cases SET waiting_since = NULL WHERE id = ?'),
      get: db.prepare<[string, number], MessageRow>(`SELECT ${columns} FROM messages WHERE case_id = ? AND seq = ?`),
      after: db.prepare<[string, number, number], MessageRow>(
        `SELECT ${columns} FROM messages WHERE case_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
      ),
      before: db.prepare<[string, number, number], MessageRow>(
        `SELECT * FROM (SELECT ${columns}, seq FROM messages WHERE case_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?) ORDER BY seq`,
      ),
      lastInbound: db.prepare<[string], MessageRow>(
        `SELECT ${columns} FROM messages WHERE case_id = ? AND inbound = 1 ORDER BY seq DESC LIMIT 1`,
      ),
      lastInboundOn: db.prepare<[string, string], MessageRow>(
        `SELECT ${columns} FROM messages WHERE case_id = ? AND channel = ? AND inbound = 1 ORDER BY seq DESC LIMIT 1`,
      ),
      deliveryOf: db.prepare<[string, number], { delivery: string | null }>('SELECT delivery FROM messages WHERE case_id = ? AND seq = ?'),
      setDelivery: db.prepare('UPDATE messages SET delivery = ? WHERE case_id = ? AND seq = ?'),
      floor: db.prepare<[string], { record: string }>('SELECT record FROM floors WHERE case_id = ?'),
      setFloor: db.prepare(
        'INSERT INTO floors (case_id, record) VALUES (?, ?) ON CONFLICT (case_id) DO UPDATE SET record = excluded.record',
      ),
      dropFloor: db.prepare('DELETE FROM floors WHERE case_id = ?'),
      compose: db.prepare(
        'INSERT INTO composing (case_id, user_id, speaker, until) VALUES (?, ?, ?, ?) ON CONFLICT (case_id, user_id) DO UPDATE SET speaker = excluded.speaker, until = excluded.until',
      ),
      stopComposing: db.prepare('DELETE FROM composing WHERE case_id = ? AND user_id = ?'),
      composing: db.prepare<[string, number], { speaker: string; until: number }>(
        'SELECT speaker, until FROM composing WHERE case_id = ? AND until > ? ORDER BY until',
      ),
      forgetComposing: db.prepare('DELETE FROM composing WHERE case_id = ? AND until <= ?'),
    };
  }

  async append(
    message: NewMessage,
    _team: string,
    events: readonly NewCaseEvent[],
    options: { key?: string | null; right?: SpeakingRight } = {},
  ): Promise<{ message: Message; duplicate: boolean } | null> {
    const s = this.statements;
    const key = options.key ?? null;
    const { caseId } = message;
    return this.events.writeDescribed<{ message: Message; duplicate: boolean } | null>(() => {
      if (key !== null) {
        const stored = s.byKey.get(caseId, key);
        if (stored) return { outcome: { message: messageOf(stored), duplicate: true }, events: [] };
      }
      if (options.right && !this.holds(caseId, options.right)) return { outcome: null, events: [] };
      const seq = s.lastSeq.get(caseId)!.seq + 1;
      const stored: Message = { ...message, seq };
      const inbound = message.direction === 'in' && message.kind === 'message';
      const delivery = message.delivery ? JSON.stringify(message.delivery) : null;
      s.insert.run(caseId, seq, inbound ? 1 : 0, message.channel, message.kind, message.replaces, key, JSON.stringify(stored), delivery);
      if (message.replaces !== null && message.kind === 'correction') s.correct.run(message.body, caseId, message.replaces);
      if (message.replaces !== null && message.kind === 'redaction') s.redact.run(caseId, message.replaces, message.replaces);
      if (message.kind === 'message') {
        if (inbound) s.startWaiting.run(message.at, message.caseId);
        else s.endWaiting.run(message.caseId);
      }
      return { outcome: { message: stored, duplicate: false }, events: events.map((e) => ({ ...e, data: { seq, ...e.data } })) };
    });
  }

  /** Whether the case's ownership epoch and floor are still what the sender's right was decided on. */
  private holds(caseId: string, right: SpeakingRight): boolean {
    const epoch = this.statements.epoch.get(caseId)?.epoch ?? 0;
    const floor = this.statements.floor.get(caseId)?.record ?? null;
    return epoch === right.epoch && floor === (right.floor === null ? null : JSON.stringify(right.floor));
  }

  async get(caseId: string, seq: number): Promise<Message | null> {
    const row = this.statements.get.get(caseId, seq);
    return row ? messageOf(row) : null;
  }

  async list(caseId: string, range: MessageRange): Promise<Message[]> {
    const rows =
      range.after !== undefined
        ? this.statements.after.all(caseId, range.after, range.limit)
        : this.statements.before.all(caseId, range.before ?? Number.MAX_SAFE_INTEGER, range.limit);
    return rows.map(messageOf);
  }

  async lastSeq(caseId: string): Promise<number> {
    return this.statements.lastSeq.get(caseId)!.seq;
  }

  async lastInbound(caseId: string, channel?: Channel): Promise<Message | null> {
    const row = channel === undefined ? this.statements.lastInbound.get(caseId) : this.statements.lastInboundOn.get(caseId, channel);
    return row ? messageOf(row) : null;
  }

  async report(
    caseId: string,
    seq: number,
    expected: DeliveryStatus,
    delivery: Delivery,
    events: readonly NewCaseEvent[],
  ): Promise<Message | null> {
    return this.events.write(events, () => {
      const row = this.statements.deliveryOf.get(caseId, seq);
      const current = row?.delivery ? (JSON.parse(row.delivery) as Delivery).status : null;
      if (current !== expected) return null;
      this.statements.setDelivery.run(JSON.stringify(delivery), caseId, seq);
      return messageOf(this.statements.get.get(caseId, seq)!);
    });
  }

  async floor(caseId: string): Promise<StoredFloor | null> {
    const row = this.statements.floor.get(caseId);
    return row ? (JSON.parse(row.record) as StoredFloor) : null;
  }

  async setFloor(caseId: string, floor: StoredFloor | null, events: readonly NewCaseEvent[]): Promise<void> {
    this.events.write(events, () =>
      floor ? this.statements.setFloor.run(caseId, JSON.stringify(floor)) : this.statements.dropFloor.run(caseId),
    );
  }

  async compose(caseId: string, speaker: Speaker, until: number | null): Promise<void> {
    // Marks that ran out are cleared as new ones come, so a case keeps at most one per person.
    this.statements.forgetComposing.run(caseId, Date.now());
    if (until === null) this.statements.stopComposing.run(caseId, speaker.userId);
    else this.statements.compose.run(caseId, speaker.userId, JSON.stringify(speaker), until);
  }

  async composing(caseId: string, now: number): Promise<Composing[]> {
    return this.statements.composing.all(caseId, now).map((row) => ({
      person: JSON.parse(row.speaker) as Speaker,
      composing: true,
      until: new Date(row.until).toISOString(),
    }));
  }
}
