/**
 * Case events: everything that happens to a case, in order, for bots (intake, QA, summarisers,
 * CRM sync) and webhooks. Each event is stored with a per-case sequence number before anyone hears
 * of it; `id` is a global, ordered cursor a bot stores to resume exactly where it left off.
 */
import type { Person } from './people.js';

export const caseEventTypes = [
  'case.created',
  'case.status_changed',
  'member.joined',
  'member.left',
  'owner.claimed',
  'owner.handoff_offered',
  'owner.handoff_accepted',
  'owner.handoff_declined',
  'owner.reassigned',
  'owner.released',
  'approval.requested',
  'approval.approved',
  'approval.rejected',
  'approval.cancelled',
  'approval.expired',
  'approval.reviewed',
  'notes.changed',
  'step.added',
  'step.completed',
  'step.removed',
  'fact.recorded',
  'document.repaired',
  'person.revoked',
] as const;

/**
 * Events about a team's people rather than one case (`person.revoked`) are kept under this
 * case id, which no real case can have (case ids never contain `:`): they reach the team's feed.
 */
export const teamFeedId = (team: string): string => `team:${team}`;

export type CaseEventType = (typeof caseEventTypes)[number];

export function isCaseEventType(value: unknown): value is CaseEventType {
  return typeof value === 'string' && (caseEventTypes as readonly string[]).includes(value);
}

export interface CaseEvent {
  /** global cursor: opaque, ordered; store the last one you handled and resume after it */
  id: string;
  caseId: string;
  /** 1, 2, 3 … within the case */
  seq: number;
  type: CaseEventType;
  at: string;
  /** who did it; null for the hub's own doing (e.g. an approval expiring) */
  actor: Person | null;
  data: Record<string, unknown>;
}

/** What a subscriber asks for. */
export interface EventFilter {
  /** case ids, or every case of the subscriber's team */
  cases?: string[] | 'team';
  types?: CaseEventType[];
  /** resume after this cursor (an event id); absent: only what happens from now on */
  after?: string;
}
