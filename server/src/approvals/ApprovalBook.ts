/**
 * Peer approval requests: opening them, deciding, cancelling, expiring and reviewing. Every
 * transition goes through the pure state machine, is stored with compare-and-set, and only then
 * announced. Pending requests expire on the server's clock, whether or not anyone is connected.
 */
import { randomUUID } from 'node:crypto';
import {
  canAccessTeam,
  CaseroomError,
  type Approval,
  type ApprovalInput,
  type ApprovalStatus,
  type ApprovalUpdate,
  type Identity,
  type Page,
  type ReviewVerdict,
  type Verdict,
} from '@caseroom/shared';
import type { CaseDirectory } from '../cases/CaseDirectory.js';
import type { DomainChanges } from '../DomainChanges.js';
import type { Logger } from '../logger.js';
import { caseEvent } from '../events/EventLog.js';
import type { CaseStore, NewCaseEvent } from '../store/CaseStore.js';
import { ruleFor, type ApprovalPolicy } from './ApprovalPolicy.js';
import { decideApproval, openApproval, type ApprovalCommand } from './approvalMachine.js';

const maxAttempts = 100;
/** Even with nothing pending, look again this often: another node may have opened a request. */
const expiryPollMs = 30_000;
const expiryBatch = 100;

export interface ApprovalBookOptions {
  store: Pick<CaseStore, 'approvals'>;
  cases: CaseDirectory;
  policy: ApprovalPolicy;
  defaultExpiresInS: number;
  log: Logger;
  /** where a stored transition is announced */
  changes: DomainChanges;
}

export interface ReviewQuery {
  team?: string | undefined;
  reviewed?: boolean | undefined;
  limit: number;
  cursor?: string | undefined;
}

const decided: readonly ApprovalStatus[] = ['approved', 'rejected'];

export class ApprovalBook {
  private expiryTimer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly options: ApprovalBookOptions) {}

  /** Opens a request in a case. Agents, specialists and supervisors may; bots may not. */
  async request(caseId: string, actor: Identity, input: ApprovalInput): Promise<Approval> {
    if (actor.role === 'bot') throw new CaseroomError('forbidden', 'Bots cannot open approval requests');
    const record = await this.options.cases.open(caseId, actor);
    const now = new Date();
    const rule = ruleFor(this.options.policy, input.kind, input.amount);
    const approval = openApproval(randomUUID(), input, actor, record, rule, now, this.options.defaultExpiresInS);
    await this.options.store.approvals.create(
      approval,
      eventsFor({ approval, change: { kind: 'requested', by: actor.userId, at: approval.requestedAt } }, actor),
    );
    this.announce({ approval, change: { kind: 'requested', by: actor.userId, at: approval.requestedAt } });
    this.scheduleExpiry();
    return approval;
  }

  decide(id: string, actor: Identity, verdict: Verdict, comment: string | null): Promise<Approval> {
    return this.transition(id, actor, { type: 'decide', verdict, comment });
  }

  cancel(id: string, actor: Identity): Promise<Approval> {
    return this.transition(id, actor, { type: 'cancel' });
  }

  /** Supervisors mark a decided request reviewed. */
  review(id: string, actor: Identity, verdict: ReviewVerdict, note: string): Promise<Approval> {
    if (actor.role !== 'supervisor') throw new CaseroomError('supervisor_only', 'Only a supervisor can review decisions');
    return this.transition(id, actor, { type: 'review', verdict, note });
  }

  /** One request, if `who` may see it (its team, or a supervisor). */
  async get(id: string, who: Identity): Promise<Approval> {
    const approval = await this.options.store.approvals.get(id);
    if (!approval || !canAccessTeam(who, approval.team)) throw new CaseroomError('unknown_approval', `No approval request ${id}`);
    return approval;
  }

  /** Every request of a case, oldest first (the caller has already been admitted to the case). */
  async forCase(caseId: string): Promise<Approval[]> {
    const items: Approval[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.options.store.approvals.list({ caseId, limit: 200, cursor });
      items.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return items;
  }

  /** Pending requests of a team, oldest first: what a peer may answer now. */
  async pendingFor(who: Identity, team = who.team, limit = 200): Promise<Approval[]> {
    if (!canAccessTeam(who, team)) throw new CaseroomError('forbidden', `You cannot see team ${team}'s requests`);
    return (await this.options.store.approvals.list({ team, statuses: ['pending'], limit })).items;
  }

  /** The review queue: decided requests, for supervisors. */
  async reviews(query: ReviewQuery, who: Identity): Promise<Page<Approval>> {
    if (who.role !== 'supervisor') throw new CaseroomError('supervisor_only', 'Only supervisors read the review queue');
    return this.options.store.approvals.list({ ...query, statuses: decided });
  }

  /** Starts expiring pending requests on the server's clock. */
  start(): void {
    this.stopped = false;
    this.scheduleExpiry();
  }

  stop(): void {
    this.stopped = true;
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.expiryTimer = null;
  }

  private async transition(id: string, actor: Identity | null, command: ApprovalCommand): Promise<Approval> {
    const { store, log } = this.options;
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const state = await store.approvals.get(id);
      if (!state || (actor && !canAccessTeam(actor, state.team) && command.type !== 'decide')) {
        throw new CaseroomError('unknown_approval', `No approval request ${id}`);
      }
      const result = decideApproval(state, command, { actor, now: new Date() });
      if (result instanceof CaseroomError) throw result;
      if (!result.change) return state;
      const update = { approval: result.approval, change: result.change };
      if (await store.approvals.save(result.approval, state.version, eventsFor(update, actor))) {
        log.info({ caseId: state.caseId, approvalId: id, userId: actor?.userId, change: result.change.kind }, 'approval changed');
        this.announce(update);
        return result.approval;
      }
    }
    throw new CaseroomError('internal_error', 'The request kept changing; try again');
  }

  private announce(update: ApprovalUpdate): void {
    this.options.changes.announce({ kind: 'approval', update });
  }

  private scheduleExpiry(): void {
    if (this.stopped) return;
    void this.options.store.approvals.nextExpiry().then(
      (next) => {
        if (this.stopped) return;
        const wait = next === null ? expiryPollMs : Math.min(Math.max(Date.parse(next) - Date.now(), 0), expiryPollMs);
        if (this.expiryTimer) clearTimeout(this.expiryTimer);
        this.expiryTimer = setTimeout(() => void this.expireDue(), wait);
        this.expiryTimer.unref();
      },
      (err: unknown) => this.options.log.warn({ err }, 'could not read the next approval expiry'),
    );
  }

  private async expireDue(): Promise<void> {
    this.expiryTimer = null;
    try {
      const due = await this.options.store.approvals.due(new Date().toISOString(), expiryBatch);
      for (const approval of due) {
        if (this.stopped) return;
        await this.transition(approval.id, null, { type: 'expire' }).catch((err: unknown) =>
          this.options.log.warn({ err, approvalId: approval.id }, 'expiring an approval failed'),
        );
      }
    } catch (err) {
      this.options.log.warn({ err }, 'expiring approvals failed');
    }
    this.scheduleExpiry();
  }
}

/** The case event for an approval change; a single peer's vote under a larger quorum is not one. */
function eventsFor(update: ApprovalUpdate, actor: Identity | null): NewCaseEvent[] {
  const { approval, change } = update;
  if (change.kind === 'decision') return [];
  const data = {
    approvalId: approval.id,
    kind: approval.kind,
    summary: approval.summary,
    amount: approval.amount,
    currency: approval.currency,
    status: approval.status,
    requestedBy: approval.requestedBy.userId,
    decisions: approval.decisions.map((d) => ({ by: d.by.userId, verdict: d.verdict, comment: d.comment })),
    ...(approval.review ? { review: { by: approval.review.by.userId, verdict: approval.review.verdict, note: approval.review.note } } : {}),
  };
  return [caseEvent({ id: approval.caseId, team: approval.team }, `approval.${change.kind}`, actor, data, new Date(change.at))];
}
