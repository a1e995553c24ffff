/**
 * Webhooks: case events POSTed to a bot's URL, for bots that would rather receive HTTP than hold
 * a socket. These are the shapes the HTTP API shows; the secret appears only once, on creation.
 */
import type { CaseEventType } from './caseEvents.js';

export interface Webhook {
  id: string;
  url: string;
  /** the event types delivered; null: every type, including types added later */
  types: CaseEventType[] | null;
  /** events of this team's cases are delivered */
  team: string;
  createdAt: string;
  /** user id of the supervisor who registered it */
  createdBy: string;
}

/**
 * `cursor_expired`: not an attempt, but the record that events the webhook had not yet received
 * were removed by the retention policy first; delivery goes on after `eventId`, the oldest cursor.
 */
export const deliveryOutcomes = ['delivered', 'failed', 'cursor_expired'] as const;
export type DeliveryOutcome = (typeof deliveryOutcomes)[number];

/** One attempt at delivering one event to a webhook (or the record of events lost to retention). */
export interface WebhookDelivery {
  /** sent as `x-caseroom-delivery`; new for every attempt */
  id: string;
  webhookId: string;
  /** the event attempted; on a `cursor_expired` record, the oldest cursor delivery resumes after */
  eventId: string;
  /** null on a `cursor_expired` record */
  caseId: string | null;
  /** null on a `cursor_expired` record */
  type: CaseEventType | null;
  /** 1 for the first attempt at this event, 2 for the first retry, … */
  attempt: number;
  outcome: DeliveryOutcome;
  /** the receiver's HTTP status; null when no response came (network error, timeout) */
  status: number | null;
  /** why the attempt failed when there was no response; null otherwise */
  error: string | null;
  at: string;
  /** failed attempts: when the event will be tried again; null for delivered ones */
  nextAttemptAt: string | null;
  /**
   * `cursor_expired` records only: the events never delivered, those after `after` up to and
   * including `through` (event ids; some may not have been of this webhook's team or types)
   */
  lost?: { after: string; through: string };
}
