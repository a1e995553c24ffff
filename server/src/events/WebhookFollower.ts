/**
 * One webhook's walk through the event log. It reads the events of its team (and types) after its
 * durable cursor, in id order, and POSTs them one at a time; it moves past an event only once the
 * receiver has taken it (2xx), and that move is stored with the attempt. A failed attempt is
 * retried after an exponential backoff, forever, until it succeeds or the webhook is removed:
 * at-least-once, in order per case (and overall). Events it had not reached when the retention
 * policy removed them are not skipped silently: it records a `cursor_expired` delivery naming the
 * ids lost, warns, and goes on from the oldest event kept. A read that comes back short of its
 * limit covered the log up to the head taken before it, so the cursor moves there even when no
 * event matched the webhook's types: a rare filter is not taken for a receiver that fell behind.
 */
import { randomUUID } from 'node:crypto';
import { CaseroomError, type CaseEvent } from '@caseroom/shared';
import type { Logger } from '../logger.js';
import type { StoredWebhook, WebhookStore } from '../store/WebhookStore.js';
import type { EventLog } from './EventLog.js';
import { postEvent } from './webhookRequest.js';
import type { WebhookTargets } from './WebhookTargets.js';

const batchSize = 50;

export interface FollowerOptions {
  store: WebhookStore;
  events: EventLog;
  log: Logger;
  /** first wait before retrying a failed delivery; doubles per failure of the same event */
  retryBaseMs: number;
  /** longest wait between retries */
  retryMaxMs: number;
  /** how long a receiver has to answer */
  timeoutMs: number;
  /** where deliveries may connect */
  targets: WebhookTargets;
  /** how long case events are kept (ms; null: all of them), which bounds how long a moved cursor may stay unsaved */
  eventRetentionMs: number | null;
}

/**
 * How long a cursor moved past unmatched events may wait before it is stored. Storing every move
 * would write on every event of the team; a cursor stored a quarter of the retention late still
 * lies after every event the next passes trim, so a restart resumes without a false loss.
 */
export function idleCursorSaveMs(eventRetentionMs: number | null): number {
  return eventRetentionMs === null ? 60_000 : Math.min(60_000, Math.floor(eventRetentionMs / 4));
}

/** The wait before retrying an event that has failed `failures` times: base, 2×base, 4×base … up to max. */
export function retryDelay(failures: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(failures, 1) - 1, 40));
}

export class WebhookFollower {
  /** the id of the last event delivered; read from the store on the first run */
  private cursor: string | null = null;
  private running = false;
  private again = false;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly abort = new AbortController();
  private work: Promise<void> = Promise.resolve();
  private readonly log: Logger;
  /** a cursor moved past unmatched events but not stored yet */
  private unsaved: string | null = null;
  private savedAt = 0;
  private saveTimer: NodeJS.Timeout | null = null;
  private saving: Promise<void> = Promise.resolve();

  constructor(
    private readonly webhook: StoredWebhook,
    private readonly options: FollowerOptions,
  ) {
    this.log = options.log.child({ webhookId: webhook.id });
  }

  /** New events may be stored: deliver them, unless a failed one is waiting for its retry. */
  wake(): void {
    if (this.stopped || this.retryTimer) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this.work = this.deliverPending().finally(() => {
      this.running = false;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  /** Cancels any retry and aborts the attempt under way; resolves when nothing is left running. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.abort.abort();
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = null;
    await this.work;
    await this.saving;
    // On shutdown (or a removal, where it changes nothing) the last move is not lost.
    await this.saveMovedCursor();
  }

  private async deliverPending(): Promise<void> {
    try {
      this.cursor ??= await this.options.store.cursor(this.webhook.id);
      if (this.cursor === null) {
        // Removed before its first run.
        this.stopped = true;
        return;
      }
      for (;;) {
        this.again = false;
        // Taken before the read: whatever is appended after it is read next time.
        const head = await this.options.events.lastId();
        const batch = await this.readAfter(this.cursor);
        if (batch === null) return;
        for (const event of batch) {
          if (this.stopped || !(await this.deliver(event))) return;
          this.cursor = event.id;
          // Stored with the delivery, past any moved cursor.
          this.unsaved = null;
        }
        if (batch.length < batchSize) {
          this.moveTo(head);
          return;
        }
      }
    } catch (err) {
      // The store failed, not the receiver: try again later rather than stall without a trace.
      if (this.stopped) return;
      this.log.error({ err }, 'webhook delivery interrupted');
      this.retryIn(this.options.retryBaseMs);
    }
  }

  /**
   * The next events after `cursor`; when some were trimmed before they were delivered, records
   * the loss and reads on from the oldest cursor. Null when the webhook was removed meanwhile.
   */
  private async readAfter(cursor: string): Promise<CaseEvent[] | null> {
    const query = { team: this.webhook.team, types: this.webhook.types ?? undefined, limit: batchSize };
    try {
      return await this.options.events.read({ ...query, after: cursor });
    } catch (err) {
      if (!(err instanceof CaseroomError) || err.code !== 'cursor_expired') throw err;
    }
    const oldest = await this.options.events.oldest();
    const at = new Date().toISOString();
    const kept = await this.options.store.recordAttempt({
      id: randomUUID(),
      webhookId: this.webhook.id,
      eventId: oldest,
      caseId: null,
      type: null,
      attempt: 1,
      outcome: 'cursor_expired',
      status: null,
      error: `events after ${cursor} up to ${oldest} were removed by the retention policy before delivery`,
      at,
      nextAttemptAt: null,
      lost: { after: cursor, through: oldest },
    });
    if (!kept) {
      this.stopped = true;
      return null;
    }
    this.log.warn({ after: cursor, through: oldest }, 'webhook cursor expired: events removed by retention before delivery');
    this.cursor = oldest;
    return this.options.events.read({ ...query, after: oldest });
  }

  /** One attempt at `event`; true once the receiver has taken it and the cursor is stored past it. */
  private async deliver(event: CaseEvent): Promise<boolean> {
    const { store, timeoutMs, retryBaseMs, retryMaxMs, targets } = this.options;
    const attempt = (await store.failedAttempts(this.webhook.id, event.id)) + 1;
    const deliveryId = randomUUID();
    const result = await postEvent(this.webhook, event, { deliveryId, timeoutMs, signal: this.abort.signal, targets });
    // Cut short by removal or shutdown: not the receiver's failure. The event goes out again on the next start.
    if (!result.delivered && this.abort.signal.aborted) return false;
    const at = new Date();
    const delay = result.delivered ? 0 : retryDelay(attempt, retryBaseMs, retryMaxMs);
    const kept = await store.recordAttempt({
      id: deliveryId,
      webhookId: this.webhook.id,
      eventId: event.id,
      caseId: event.caseId,
      type: event.type,
      attempt,
      outcome: result.delivered ? 'delivered' : 'failed',
      status: result.status,
      error: result.delivered ? null : result.error,
      at: at.toISOString(),
      nextAttemptAt: result.delivered ? null : new Date(at.getTime() + delay).toISOString(),
    });
    if (!kept) {
      // Removed while the attempt was under way.
      this.stopped = true;
      return false;
    }
    if (result.delivered) return true;
    // A refused target is the webhook's configuration (or its DNS), not a fault of the hub: a warning, like any failed delivery.
    const what = result.forbidden ? 'webhook target refused' : 'webhook delivery failed';
    this.log.warn({ eventId: event.id, attempt, status: result.status, error: result.error, retryInMs: delay }, what);
    this.retryIn(delay);
    return false;
  }

  /** Moves the cursor to `head` (never back) and stores it within `idleCursorSaveMs`. */
  private moveTo(head: string): void {
    if (this.stopped || this.cursor === null || !((this.options.events.compare(head, this.cursor) ?? 0) > 0)) return;
    this.cursor = head;
    this.unsaved = head;
    if (this.saveTimer) return;
    const wait = Math.max(0, this.savedAt + idleCursorSaveMs(this.options.eventRetentionMs) - Date.now());
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      this.saving = this.saveMovedCursor();
    }, wait);
  }

  private async saveMovedCursor(): Promise<void> {
    const cursor = this.unsaved;
    if (cursor === null) return;
    this.unsaved = null;
    this.savedAt = Date.now();
    try {
      if (!(await this.options.store.moveCursor(this.webhook.id, cursor))) this.stopped = true;
    } catch (err) {
      // Kept for the next move; until then the stored cursor is only older, never wrong.
      this.unsaved ??= cursor;
      this.log.warn({ err }, 'storing the webhook cursor failed');
    }
  }

  private retryIn(delayMs: number): void {
    if (this.stopped) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.wake();
    }, delayMs);
  }
}
