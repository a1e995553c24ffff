/**
 * Webhooks and their delivery log, kept durably next to the case events they deliver (a new
 * webhook's cursor is read from the event log in the same step that stores it).
 */
import type { DeliveryOutcome, Page, Webhook, WebhookDelivery } from '@caseroom/shared';

export interface StoredWebhook extends Webhook {
  /** the HMAC key for `x-caseroom-signature`; never shown again after creation */
  secret: string;
}

export interface DeliveryQuery {
  webhookId: string;
  outcome?: DeliveryOutcome | undefined;
  limit: number;
  /** the `nextCursor` of the previous page */
  cursor?: string | undefined;
}

export interface WebhookStore {
  /**
   * Stores a new webhook. Its cursor starts at the newest event stored at that moment, read in
   * the same transaction, so it receives exactly what happens from then on. An id already stored
   * is a fault (`webhookAlreadyStored`).
   */
  create(webhook: StoredWebhook): Promise<void>;
  get(id: string): Promise<StoredWebhook | null>;
  /** Oldest first; every team when `team` is undefined. */
  list(team?: string): Promise<StoredWebhook[]>;
  /** Removes a webhook and its delivery log; false when there is no such webhook. */
  remove(id: string): Promise<boolean>;
  /** The id of the last event delivered (or the cursor it started with); null for an unknown webhook. */
  cursor(id: string): Promise<string | null>;
  /**
   * Moves a webhook's cursor forward to `cursor` (never back) without logging anything: for a
   * webhook that read every event up to it and none matched its filter. False when the webhook
   * no longer exists.
   */
  moveCursor(id: string, cursor: string): Promise<boolean>;
  /**
   * Logs an attempt. A delivered attempt also moves the webhook's cursor to its event in the same
   * transaction, so a restart resumes right after it; so does a `cursor_expired` record, to the
   * oldest cursor it resumes from. False when the webhook no longer exists.
   */
  recordAttempt(delivery: WebhookDelivery): Promise<boolean>;
  /** How many attempts at delivering this event have failed (the count survives a restart). */
  failedAttempts(webhookId: string, eventId: string): Promise<number>;
  /** Newest first. */
  deliveries(query: DeliveryQuery): Promise<Page<WebhookDelivery>>;
  /**
   * Removes up to `limit` of the oldest delivery records made before `before` (ms), over every
   * webhook; answers how many. Idempotent: every hub node may run it.
   */
  trimDeliveries(before: number, limit: number): Promise<number>;
}

/** The hub makes webhook ids: a second webhook with the same id is a fault, reported alike by every store. */
export function webhookAlreadyStored(id: string): Error {
  return new Error(`webhook ${id} is already stored`);
}
