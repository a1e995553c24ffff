/**
 * Peer approvals on the wire. When a fix is outside policy an associate asks a peer; a second
 * associate agreeing is authority enough, and every decision is kept for later review.
 */
import type { Person } from './people.js';

export const approvalStatuses = ['pending', 'approved', 'rejected', 'cancelled', 'expired'] as const;
export type ApprovalStatus = (typeof approvalStatuses)[number];

export const verdicts = ['approve', 'reject'] as const;
export type Verdict = (typeof verdicts)[number];

export const reviewVerdicts = ['upheld', 'corrected'] as const;
export type ReviewVerdict = (typeof reviewVerdicts)[number];

/** What an associate asks for. */
export interface ApprovalInput {
  /** e.g. `refund`, `fee_waiver`, `payment_plan` */
  kind: string;
  summary: string;
  /** in the currency's major unit, at most two decimals */
  amount?: number;
  /** ISO 4217, required with an amount */
  currency?: string;
  /** what the customer proposed when asked "what do you think is fair?" */
  customerProposal?: string;
  /** the policy this steps outside of */
  policyRef?: string;
  /** seconds until the request expires by itself (default 15 minutes) */
  expiresIn?: number;
}

/** How many approvals a request needs, fixed when it is opened. */
export interface ApprovalRule {
  approvals: number;
  /** one supervisor's approval is enough on its own */
  supervisorSuffices: boolean;
}

export interface ApprovalDecision {
  by: Person;
  verdict: Verdict;
  comment: string | null;
  at: string;
}

export interface ApprovalReview {
  by: Person;
  verdict: ReviewVerdict;
  note: string;
  at: string;
}

/** The full record of a request, kept for review. */
export interface Approval {
  id: string;
  caseId: string;
  team: string;
  kind: string;
  summary: string;
  amount: number | null;
  currency: string | null;
  customerProposal: string | null;
  policyRef: string | null;
  requestedBy: Person;
  requestedAt: string;
  expiresAt: string;
  rule: ApprovalRule;
  status: ApprovalStatus;
  decisions: ApprovalDecision[];
  /** when the request left `pending` */
  closedAt: string | null;
  review: ApprovalReview | null;
  /** bumped on every stored change (compare-and-set) */
  version: number;
}

export type ApprovalChangeKind = 'requested' | 'decision' | 'approved' | 'rejected' | 'cancelled' | 'expired' | 'reviewed';

export interface ApprovalUpdate {
  approval: Approval;
  change: { kind: ApprovalChangeKind; by: string | null; at: string };
}
