/** Records the store tests put into a store, as the planes would make them. */
import type { Approval, CaseRecord, WebhookDelivery } from '@caseroom/shared';
import type { StoredWebhook } from '../../server/src/store/WebhookStore.js';
import { personOf } from '../../server/src/events/EventLog.js';
import { ann } from './people.js';

/** When every record below was made, unless it says otherwise. */
export const madeAt = '2026-11-23T10:00:00.000Z';

/** `madeAt` plus `minutes`. */
export function minutesLater(minutes: number): string {
  return new Date(Date.parse(madeAt) + minutes * 60_000).toISOString();
}

export function caseRecord(id: string, fields: Partial<CaseRecord> = {}): CaseRecord {
  return {
    id,
    subject: 'Charged twice',
    team: 'billing',
    status: 'open',
    customer: null,
    createdAt: madeAt,
    createdBy: 'sue',
    updatedAt: madeAt,
    waitingSince: null,
    ...fields,
  };
}

/** A pending refund request by Ann that one peer may approve. */
export function approvalRecord(id: string, caseId: string, fields: Partial<Approval> = {}): Approval {
  return {
    id,
    caseId,
    team: 'billing',
    kind: 'refund',
    summary: 'Refund 49.00',
    amount: 49,
    currency: 'EUR',
    customerProposal: null,
    policyRef: null,
    requestedBy: personOf(ann),
    requestedAt: madeAt,
    expiresAt: minutesLater(15),
    rule: { approvals: 1, supervisorSuffices: true },
    status: 'pending',
    decisions: [],
    closedAt: null,
    review: null,
    version: 1,
    ...fields,
  };
}

export function webhookRecord(id: string, fields: Partial<StoredWebhook> = {}): StoredWebhook {
  return {
    id,
    url: 'https://bots.example.com/caseroom',
    types: null,
    team: 'billing',
    createdAt: madeAt,
    createdBy: 'sue',
    secret: `secret-of-${id}`,
    ...fields,
  };
}

/** An attempt at delivering event `eventId` (of case c1) to webhook `webhookId`. */
export function deliveryRecord(webhookId: string, eventId: string, outcome: WebhookDelivery['outcome'], attempt = 1): WebhookDelivery {
  return {
    id: `${webhookId}:${eventId}:${attempt}`,
    webhookId,
    eventId,
    caseId: 'c1',
    type: 'case.created',
    attempt,
    outcome,
    status: outcome === 'delivered' ? 200 : 503,
    error: null,
    at: minutesLater(attempt),
    nextAttemptAt: outcome === 'failed' ? minutesLater(attempt + 1) : null,
  };
}
