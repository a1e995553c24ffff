/**
 * Peer approvals on the wire. When a fix is outside policy an associate asks a peer; a second
 * associate agreeing is authority enough, and every decision is kept for later review.
 */
import { z } from 'zod';
import { caseIdSchema } from './cases.js';
import { personSchema } from './people.js';
import { teamSchema, timeSchema, typedText } from './wire.js';

export const approvalStatuses = ['pending', 'approved', 'rejected', 'cancelled', 'expired'] as const;
export type ApprovalStatus = (typeof approvalStatuses)[number];

export const verdicts = ['approve', 'reject'] as const;
export type Verdict = (typeof verdicts)[number];

export const reviewVerdicts = ['upheld', 'corrected'] as const;
export type ReviewVerdict = (typeof reviewVerdicts)[number];

export const approvalIdSchema = z.string().min(1).max(100);

/** Money in a major unit: positive, finite, at most two decimals. */
const amountSchema = z
  .number()
  .positive()
  .max(1_000_000_000)
  .refine((n) => Math.abs(n * 100 - Math.round(n * 100)) < 1e-6, 'must have at most two decimals');

/** What an associate asks for, in a case the socket joined. */
export const approvalRequestSchema = z
  .strictObject({
    caseId: caseIdSchema,
    /** e.g. `refund`, `fee_waiver`, `payment_plan` */
    kind: z.string().regex(/^[a-z][a-z0-9_.-]{0,49}$/, 'must be a lower-case word like refund or fee_waiver'),
    summary: typedText(500),
    /** in the currency's major unit, at most two decimals */
    amount: amountSchema.optional(),
    /** ISO 4217, required with an amount */
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code like EUR')
      .optional(),
    /** what the customer proposed when asked "what do you think is fair?" */
    customerProposal: typedText(1000).optional(),
    /** the policy this steps outside of */
    policyRef: typedText(200).optional(),
    /** seconds until the request expires by itself (default 15 minutes) */
    expiresIn: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 3600)
      .optional(),
  })
  .refine((r) => (r.amount === undefined) === (r.currency === undefined), {
    message: 'amount and currency go together',
    path: ['currency'],
  });
export type ApprovalRequest = z.input<typeof approvalRequestSchema>;

/** What an associate asks for: the request without its case. */
export type ApprovalInput = Omit<ApprovalRequest, 'caseId'>;

/** Refusals of an approval request's money fields get their own code. */
export const amountFieldCodes = { amount: 'invalid_amount', currency: 'invalid_amount' } as const;

export const decisionRequestSchema = z.strictObject({
  approvalId: approvalIdSchema,
  verdict: z.enum(verdicts),
  comment: typedText(1000).optional(),
});

/** Pending requests of the asker's team, or of a named one (supervisors); the request may be left out. */
export const pendingRequestSchema = z
  .strictObject({ team: teamSchema.optional() })
  .nullish()
  .transform((request): { team?: string } => request ?? {});

/** How many approvals a request needs, fixed when it is opened. */
export const approvalRuleSchema = z.strictObject({
  approvals: z.number().int().positive(),
  /** one supervisor's approval is enough on its own */
  supervisorSuffices: z.boolean(),
});
export type ApprovalRule = z.infer<typeof approvalRuleSchema>;

export const approvalDecisionSchema = z.strictObject({
  by: personSchema,
  verdict: z.enum(verdicts),
  comment: z.string().nullable(),
  at: timeSchema,
});
export type ApprovalDecision = z.infer<typeof approvalDecisionSchema>;

export const approvalReviewSchema = z.strictObject({ by: personSchema, verdict: z.enum(reviewVerdicts), note: z.string(), at: timeSchema });
export type ApprovalReview = z.infer<typeof approvalReviewSchema>;

/** The full record of a request, kept for review. */
export const approvalSchema = z.strictObject({
  id: z.string(),
  caseId: caseIdSchema,
  team: z.string(),
  kind: z.string(),
  summary: z.string(),
  amount: z.number().nullable(),
  currency: z.string().nullable(),
  customerProposal: z.string().nullable(),
  policyRef: z.string().nullable(),
  requestedBy: personSchema,
  requestedAt: timeSchema,
  expiresAt: timeSchema,
  rule: approvalRuleSchema,
  status: z.enum(approvalStatuses),
  decisions: z.array(approvalDecisionSchema),
  /** when the request left `pending` */
  closedAt: timeSchema.nullable(),
  review: approvalReviewSchema.nullable(),
  /** bumped on every stored change (compare-and-set) */
  version: z.number().int().nonnegative(),
});
export type Approval = z.infer<typeof approvalSchema>;

export const approvalChangeKinds = ['requested', 'decision', 'approved', 'rejected', 'cancelled', 'expired', 'reviewed'] as const;
export type ApprovalChangeKind = (typeof approvalChangeKinds)[number];

/** A request opened or changed: the record, and what happened (`by` is null for the hub's own doing). */
export const approvalUpdateSchema = z.strictObject({
  approval: approvalSchema,
  change: z.strictObject({ kind: z.enum(approvalChangeKinds), by: z.string().nullable(), at: timeSchema }),
});
export type ApprovalUpdate = z.infer<typeof approvalUpdateSchema>;
