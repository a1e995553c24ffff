/**
 * Case events: everything that happens to a case, in order, for bots (intake, QA, summarisers,
 * CRM sync) and webhooks. Each event is stored with a per-case sequence number before anyone hears
 * of it; `id` is a global, ordered cursor a bot stores to resume exactly where it left off.
 */
import { z } from 'zod';
import { caseIdSchema } from './cases.js';
import { stepFields } from './documentSchema.js';
import { personSchema } from './people.js';
import { teamSchema, timeSchema } from './wire.js';

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
  'step.overdue',
  'fact.recorded',
  'document.repaired',
  'message.received',
  'message.sent',
  'message.delivered',
  'message.failed',
  'message.corrected',
  'message.redacted',
  'floor.given',
  'floor.taken',
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

export const caseEventSchema = z.strictObject({
  /** global cursor: opaque, ordered; store the last one you handled and resume after it */
  id: z.string(),
  /** a case id, or a team feed's (`teamFeedId`) */
  caseId: z.string(),
  /** 1, 2, 3 … within the case */
  seq: z.number().int().positive(),
  type: z.enum(caseEventTypes),
  at: timeSchema,
  /** who did it; null for the hub's own doing (e.g. an approval expiring) */
  actor: personSchema.nullable(),
  data: z.record(z.string(), z.unknown()),
});
export type CaseEvent = z.infer<typeof caseEventSchema>;

/** What a subscriber asks for. */
export const eventFilterSchema = z.strictObject({
  /** case ids, or every case of the subscriber's team (the default) */
  cases: z.union([z.literal('team'), z.array(caseIdSchema).min(1).max(1000)]).default('team'),
  types: z.array(z.enum(caseEventTypes)).min(1).optional(),
  /**
   * resume after this cursor (an event id), or `'start'` (`logStart`) for the whole log from its
   * first event; absent: only what happens from now on. Anything but a string is `invalid_cursor`.
   */
  after: z.string({ error: 'must be an event id or "start"' }).min(1).max(100).optional(),
});
export type EventFilter = z.input<typeof eventFilterSchema>;

/** The `after` of a subscription that replays the whole log. */
export const logStart = 'start';

/** Refusals of a subscription's filter get their own codes. */
export const filterFieldCodes = { cases: 'invalid_filter', types: 'invalid_filter', after: 'invalid_cursor' } as const;

export const subscriptionIdSchema = z.string().min(1).max(100);

/**
 * A step that fell due without being done, as the hub announces it live (`step:overdue`) to the
 * case room and the case's team once it has stored the `step.overdue` event, whose data is the
 * step's part of this.
 */
export const overdueStepSchema = z.strictObject({
  caseId: caseIdSchema,
  team: teamSchema,
  stepId: stepFields.id,
  text: stepFields.text,
  /** whom the step was given to: the person to tell */
  assignee: stepFields.assignee,
  /** the step's `due` as written (a date falls due at the end of that day, UTC) */
  due: z.string(),
  /** when the hub recorded it */
  at: timeSchema,
});
export type OverdueStep = z.infer<typeof overdueStepSchema>;
