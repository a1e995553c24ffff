/**
 * The approval state machine, as pure functions: pending -> approved | rejected | cancelled |
 * expired, and a review once decided. The store persists each transition with compare-and-set on
 * `version`, so two peers deciding at the same moment produce one outcome; the loser is re-decided
 * against the stored state and refused.
 */
import {
  CaseroomError,
  type Approval,
  type ApprovalInput,
  type ApprovalRule,
  type ApprovalUpdate,
  type CaseRecord,
  type Identity,
  type Person,
  type ReviewVerdict,
  type Verdict,
} from '@caseroom/shared';

export type ApprovalCommand =
  | { type: 'decide'; verdict: Verdict; comment: string | null }
  | { type: 'cancel' }
  | { type: 'expire' }
  | { type: 'review'; verdict: ReviewVerdict; note: string };

export interface ApprovalContext {
  /** null for the server's own transitions (expiry) */
  actor: Identity | null;
  now: Date;
}

export interface ApprovalTransition {
  approval: Approval;
  /** null when nothing changes (e.g. expiring a request that is not due) */
  change: ApprovalUpdate['change'] | null;
}

const person = (who: Identity): Person => ({ userId: who.userId, name: who.name, role: who.role });

/** A new pending request. */
export function openApproval(
  id: string,
  input: ApprovalInput,
  requester: Identity,
  record: CaseRecord,
  rule: ApprovalRule,
  now: Date,
  defaultExpiresInS: number,
): Approval {
  return {
    id,
    caseId: record.id,
    team: record.team,
    kind: input.kind,
    summary: input.summary,
    amount: input.amount ?? null,
    currency: input.currency ?? null,
    customerProposal: input.customerProposal ?? null,
    policyRef: input.policyRef ?? null,
    requestedBy: person(requester),
    requestedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + (input.expiresIn ?? defaultExpiresInS) * 1000).toISOString(),
    rule,
    status: 'pending',
    decisions: [],
    closedAt: null,
    review: null,
    version: 1,
  };
}

/** Whether the approvals so far satisfy the request's rule. */
export function quorumReached(approval: Approval): boolean {
  const approvals = approval.decisions.filter((d) => d.verdict === 'approve');
  if (approval.rule.supervisorSuffices && approvals.some((d) => d.by.role === 'supervisor')) return true;
  return approvals.length >= approval.rule.approvals;
}

export function decideApproval(state: Approval, command: ApprovalCommand, context: ApprovalContext): ApprovalTransition | CaseroomError {
  const { actor, now } = context;
  const at = now.toISOString();
  const due = now.getTime() >= Date.parse(state.expiresAt);
  const next = (patch: Partial<Approval>, kind: ApprovalUpdate['change']['kind']): ApprovalTransition => ({
    approval: { ...state, ...patch, version: state.version + 1 },
    change: { kind, by: actor?.userId ?? null, at },
  });

  switch (command.type) {
    case 'decide': {
      if (!actor) return new CaseroomError('internal_error', 'A decision needs a person');
      if (actor.role === 'bot') return new CaseroomError('bots_cannot_decide');
      if (actor.userId === state.requestedBy.userId) return new CaseroomError('self_approval');
      if (actor.role !== 'supervisor' && actor.team !== state.team)
        return new CaseroomError('outside_team', `Only team ${state.team} can decide this request`);
      if (state.decisions.some((d) => d.by.userId === actor.userId)) return new CaseroomError('already_decided');
      if (state.status === 'expired' || (state.status === 'pending' && due)) return new CaseroomError('approval_expired');
      if (state.status !== 'pending') return new CaseroomError('not_pending', `The request is already ${state.status}`);
      const decisions = [...state.decisions, { by: person(actor), verdict: command.verdict, comment: command.comment, at }];
      if (command.verdict === 'reject') return next({ decisions, status: 'rejected', closedAt: at }, 'rejected');
      const decided = { ...state, decisions };
      return quorumReached(decided) ? next({ decisions, status: 'approved', closedAt: at }, 'approved') : next({ decisions }, 'decision');
    }
    case 'cancel': {
      if (!actor || actor.userId !== state.requestedBy.userId) return new CaseroomError('not_requester');
      if (state.status !== 'pending') return new CaseroomError('not_pending', `The request is already ${state.status}`);
      return next({ status: 'cancelled', closedAt: at }, 'cancelled');
    }
    case 'expire': {
      if (state.status !== 'pending' || !due) return { approval: state, change: null };
      return next({ status: 'expired', closedAt: at }, 'expired');
    }
    case 'review': {
      if (!actor || actor.role !== 'supervisor') return new CaseroomError('supervisor_only', 'Only a supervisor can review decisions');
      if (state.status !== 'approved' && state.status !== 'rejected') return new CaseroomError('not_decided');
      if (state.review) return new CaseroomError('already_reviewed');
      return next({ review: { by: person(actor), verdict: command.verdict, note: command.note, at } }, 'reviewed');
    }
  }
}
