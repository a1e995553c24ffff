/**
 * How many approvals a request needs, by kind and amount. By default one peer's approval is
 * enough ("two associates agree"). Configured with CASEROOM_APPROVAL_POLICY as JSON, e.g.
 *
 *   { "kinds": { "refund": { "approvals": 1,
 *                            "above": [{ "amount": 500, "approvals": 2, "supervisorSuffices": true }] } } }
 *
 * means: a refund needs one peer; above 500 it needs two peers, or one supervisor.
 */
import type { ApprovalRule } from '@caseroom/shared';
import { z } from 'zod';

const ruleSchema = z.strictObject({
  approvals: z.number().int().min(1).max(10),
  supervisorSuffices: z.boolean().default(false),
});

const kindSchema = ruleSchema.extend({
  above: z.array(ruleSchema.extend({ amount: z.number().nonnegative() })).default([]),
});

export const approvalPolicySchema = z.strictObject({
  default: ruleSchema.default({ approvals: 1, supervisorSuffices: false }),
  kinds: z.record(z.string().min(1), kindSchema).default({}),
});

export type ApprovalPolicy = z.infer<typeof approvalPolicySchema>;

export const defaultApprovalPolicy: ApprovalPolicy = approvalPolicySchema.parse({});

/** The rule for a request: the kind's highest threshold the amount exceeds, else the kind's, else the default. */
export function ruleFor(policy: ApprovalPolicy, kind: string, amount: number | undefined): ApprovalRule {
  const byKind = policy.kinds[kind];
  if (!byKind) return { approvals: policy.default.approvals, supervisorSuffices: policy.default.supervisorSuffices };
  const threshold = [...byKind.above].sort((a, b) => b.amount - a.amount).find((t) => amount !== undefined && amount > t.amount);
  const rule = threshold ?? byKind;
  return { approvals: rule.approvals, supervisorSuffices: rule.supervisorSuffices };
}
