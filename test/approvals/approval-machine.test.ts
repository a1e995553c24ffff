/** The approval state machine and quorum policy on their own. */
import { CaseroomError, type Approval, type Identity } from '@caseroom/shared';
import { describe, expect, it } from 'vitest';
import { approvalPolicySchema, ruleFor } from '../../server/src/approvals/ApprovalPolicy.js';
import { decideApproval, openApproval, type ApprovalCommand } from '../../server/src/approvals/approvalMachine.js';
import { amy, ann, otto, qaBot, sam, sue } from '../helpers/people.js';

const opened = new Date('2026-11-23T10:00:00Z');
const soon = new Date('2026-11-23T10:01:00Z');
const late = new Date('2026-11-23T10:20:00Z');
const record = {
  id: 'case-1',
  subject: 's',
  team: 'billing',
  status: 'open' as const,
  customer: null,
  createdAt: '',
  createdBy: 'ann',
  updatedAt: '',
  waitingSince: null,
};

function pending(approvals = 1, supervisorSuffices = false): Approval {
  return openApproval(
    'ap-1',
    { kind: 'refund', summary: 'Refund 80', amount: 80, currency: 'EUR' },
    ann,
    record,
    { approvals, supervisorSuffices },
    opened,
    900,
  );
}

function run(state: Approval, command: ApprovalCommand, actor: Identity | null, now = soon) {
  return decideApproval(state, command, { actor, now });
}

function ok(result: ReturnType<typeof run>) {
  if (result instanceof CaseroomError) throw new Error(`expected a transition, got ${result.code}`);
  return result;
}

const codeOf = (result: ReturnType<typeof run>): string => (result instanceof CaseroomError ? result.code : 'no refusal');
const approve = { type: 'decide', verdict: 'approve', comment: null } as const;
const reject = { type: 'decide', verdict: 'reject', comment: 'not fair to others' } as const;

describe('deciding', () => {
  it('approves on one peer by default', () => {
    const t = ok(run(pending(), approve, amy));
    expect(t.approval).toMatchObject({ status: 'approved', closedAt: soon.toISOString(), version: 2 });
    expect(t.approval.decisions).toEqual([
      { by: { userId: 'amy', name: 'Amy', role: 'agent' }, verdict: 'approve', comment: null, at: soon.toISOString() },
    ]);
    expect(t.change).toEqual({ kind: 'approved', by: 'amy', at: soon.toISOString() });
  });

  it('needs two approvals under a quorum of two, and counts specialists as peers', () => {
    const first = ok(run(pending(2), approve, amy));
    expect(first.approval.status).toBe('pending');
    expect(first.change?.kind).toBe('decision');
    expect(ok(run(first.approval, approve, sam)).approval.status).toBe('approved');
  });

  it('lets one supervisor suffice when the rule says so', () => {
    expect(ok(run(pending(2, true), approve, sue)).approval.status).toBe('approved');
    expect(ok(run(pending(2, false), approve, sue)).approval.status).toBe('pending');
  });

  it('rejects on any reject, even after approvals', () => {
    const first = ok(run(pending(2), approve, amy));
    const t = ok(run(first.approval, reject, sam));
    expect(t.approval.status).toBe('rejected');
    expect(t.approval.decisions.map((d) => d.verdict)).toEqual(['approve', 'reject']);
  });

  it('refuses each improper decider with its own code', () => {
    expect(codeOf(run(pending(), approve, ann))).toBe('self_approval');
    expect(codeOf(run(pending(), approve, qaBot))).toBe('bots_cannot_decide');
    expect(codeOf(run(pending(), approve, otto))).toBe('outside_team');
    const decided = ok(run(pending(2), approve, amy)).approval;
    expect(codeOf(run(decided, approve, amy))).toBe('already_decided');
    const approved = ok(run(pending(), approve, amy)).approval;
    expect(codeOf(run(approved, approve, sam))).toBe('not_pending');
    expect(codeOf(run(approved, approve, amy))).toBe('already_decided');
    expect(codeOf(run(pending(), approve, amy, late))).toBe('approval_expired');
  });
});

describe('cancelling and expiring', () => {
  it('lets only the requester cancel, only while pending', () => {
    expect(ok(run(pending(), { type: 'cancel' }, ann)).approval.status).toBe('cancelled');
    expect(codeOf(run(pending(), { type: 'cancel' }, amy))).toBe('not_requester');
    const approved = ok(run(pending(), approve, amy)).approval;
    expect(codeOf(run(approved, { type: 'cancel' }, ann))).toBe('not_pending');
  });

  it('expires a pending request once its time has come, and not before', () => {
    expect(ok(run(pending(), { type: 'expire' }, null, soon)).change).toBeNull();
    const t = ok(run(pending(), { type: 'expire' }, null, late));
    expect(t.approval).toMatchObject({ status: 'expired', closedAt: late.toISOString() });
    expect(codeOf(run(t.approval, approve, amy))).toBe('approval_expired');
    const approved = ok(run(pending(), approve, amy)).approval;
    expect(ok(run(approved, { type: 'expire' }, null, late)).change).toBeNull();
  });
});

describe('reviewing', () => {
  const review = { type: 'review', verdict: 'upheld', note: 'fair given the delay' } as const;

  it('records a supervisor review of a decided request once', () => {
    const approved = ok(run(pending(), approve, amy)).approval;
    const reviewed = ok(run(approved, review, sue)).approval;
    expect(reviewed.review).toMatchObject({ by: { userId: 'sue' }, verdict: 'upheld', note: 'fair given the delay' });
    expect(codeOf(run(reviewed, review, sue))).toBe('already_reviewed');
  });

  it('refuses reviews by non-supervisors and of undecided requests', () => {
    const approved = ok(run(pending(), approve, amy)).approval;
    expect(codeOf(run(approved, review, amy))).toBe('supervisor_only');
    expect(codeOf(run(pending(), review, sue))).toBe('not_decided');
  });
});

describe('the quorum policy', () => {
  const policy = approvalPolicySchema.parse({
    kinds: {
      refund: {
        approvals: 1,
        above: [
          { amount: 500, approvals: 2, supervisorSuffices: true },
          { amount: 5000, approvals: 3 },
        ],
      },
    },
  });

  it('picks the highest threshold the amount exceeds, else the kind, else the default', () => {
    expect(ruleFor(policy, 'refund', 100)).toEqual({ approvals: 1, supervisorSuffices: false });
    expect(ruleFor(policy, 'refund', 500)).toEqual({ approvals: 1, supervisorSuffices: false });
    expect(ruleFor(policy, 'refund', 500.01)).toEqual({ approvals: 2, supervisorSuffices: true });
    expect(ruleFor(policy, 'refund', 9000)).toEqual({ approvals: 3, supervisorSuffices: false });
    expect(ruleFor(policy, 'refund', undefined)).toEqual({ approvals: 1, supervisorSuffices: false });
    expect(ruleFor(policy, 'fee_waiver', 9000)).toEqual({ approvals: 1, supervisorSuffices: false });
  });

  it('refuses a malformed policy', () => {
    expect(approvalPolicySchema.safeParse({ kinds: { refund: { approvals: 0 } } }).success).toBe(false);
    expect(approvalPolicySchema.safeParse({ kinds: { refund: { approvals: 1, above: [{ approvals: 2 }] } } }).success).toBe(false);
  });
});
