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

export const deliveryOutcomes = ['delivered', 'failed'] as const;
export type DeliveryOutcome = (typeof deliveryOutcomes)[number];

/** One attempt at delivering one event to a webhook. */
export interface WebhookDelivery {
  /** sent as `x-caseroom-delivery`; new for every attempt */
  id: string;
  webhookId: string;
  eventId: string;
  caseId: string;
  type: CaseEventType;
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
}
