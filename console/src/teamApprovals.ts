/**
 * The team's pending approval requests, from any case: a badge in the header that counts the
 * requests waiting for you, and a popover to approve or reject them without opening the case. The
 * popover closes once a decision is taken, on a click elsewhere, on Escape and when the page moves
 * to another view, so it never stays over what it covered.
 */
import type { Approval, CaseClient } from '@caseroom/client';
import type { Identity } from './api.js';
import type { CaseSubjects } from './caseSubjects.js';
import { h, replace, timeElement } from './dom.js';
import { formatMoney } from './money.js';
import { attempt, showInfo } from './notices.js';

export function formatAmount(approval: Approval): string {
  return approval.amount === null ? '' : formatMoney(approval.amount, approval.currency);
}

/** Whether `me` can still decide this request (pending, someone else's, not decided by me yet; never a bot). */
export function awaitsMe(approval: Approval, me: Identity): boolean {
  return (
    me.role !== 'bot' &&
    approval.status === 'pending' &&
    approval.requestedBy.userId !== me.userId &&
    !approval.decisions.some((d) => d.by.userId === me.userId)
  );
}

/** Approve and reject, with a comment; `onDecided` runs once the hub has taken the decision. */
export function decisionButtons(client: CaseClient, approval: Approval, onDecided: () => void = () => undefined): HTMLElement {
  const comment = h('input', { placeholder: 'Comment (optional)', 'aria-label': 'Comment', 'data-testid': 'approval-comment' });
  const decide = (verdict: 'approve' | 'reject') => async () => {
    const decided = await attempt(async () => {
      const text = comment.value.trim() || undefined;
      if (verdict === 'approve') await client.approve(approval.id, text);
      else await client.reject(approval.id, text);
    });
    if (decided) onDecided();
  };
  return h(
    'div',
    { class: 'row' },
    comment,
    h('button', { class: 'primary small', 'data-testid': 'approval-approve', onclick: decide('approve') }, 'Approve'),
    h('button', { class: 'danger small', 'data-testid': 'approval-reject', onclick: decide('reject') }, 'Reject'),
  );
}

export class TeamApprovals {
  readonly badge: HTMLButtonElement;
  private readonly panel: HTMLElement;
  private pending = new Map<string, Approval>();
  private readonly unsubscribe: Array<() => void> = [];

  constructor(
    private readonly client: CaseClient,
    private readonly me: Identity,
    private readonly subjects: CaseSubjects,
  ) {
    this.badge = h('button', {
      class: 'badge-button',
      'aria-expanded': 'false',
      'aria-controls': 'team-approvals',
      'data-testid': 'approvals-badge',
    });
    this.panel = h('aside', {
      id: 'team-approvals',
      class: 'card team-approvals',
      role: 'dialog',
      'aria-label': 'Team requests',
      hidden: true,
      'data-testid': 'team-approvals',
    });
    this.badge.addEventListener('click', () => this.toggle());
    const closeOnEscape = (event: KeyboardEvent): void => {
      if (event.key !== 'Escape' || this.panel.hidden) return;
      this.toggle(false);
      this.badge.focus();
    };
    const closeOnOutsideClick = (event: PointerEvent): void => {
      const target = event.target as Node | null;
      if (!this.panel.hidden && target && !this.panel.contains(target) && !this.badge.contains(target)) this.toggle(false);
    };
    const closeOnNavigation = (): void => this.toggle(false);
    document.addEventListener('keydown', closeOnEscape);
    document.addEventListener('pointerdown', closeOnOutsideClick);
    window.addEventListener('hashchange', closeOnNavigation);
    this.unsubscribe.push(
      () => document.removeEventListener('keydown', closeOnEscape),
      () => document.removeEventListener('pointerdown', closeOnOutsideClick),
      () => window.removeEventListener('hashchange', closeOnNavigation),
      client.on('approval', ({ approval }) => {
        if (approval.status === 'pending') this.pending.set(approval.id, approval);
        else this.pending.delete(approval.id);
        this.render();
      }),
      client.onApprovalRequested((approval) => {
        if (approval.requestedBy.userId === this.me.userId) return;
        void this.subjects.subjectOf(approval.caseId).then((subject) =>
          showInfo(`${approval.requestedBy.name} asks for approval on “${subject ?? 'a case'}”: ${approval.summary}`, {
            href: `#/case/${encodeURIComponent(approval.caseId)}`,
          }),
        );
      }),
      // Requests made while we were offline: reload the list on every (re)connect.
      client.on('status', (status) => {
        if (status === 'connected') void this.reload();
      }),
    );
    if (client.status === 'connected') void this.reload();
    this.render();
  }

  get element(): HTMLElement {
    return this.panel;
  }

  async reload(): Promise<void> {
    await attempt(async () => {
      const list = await this.client.pendingApprovals();
      this.pending = new Map(list.map((a) => [a.id, a]));
      this.render();
    });
  }

  dispose(): void {
    for (const off of this.unsubscribe) off();
  }

  private toggle(open = this.panel.hidden): void {
    if (this.panel.hidden === !open) return;
    this.panel.hidden = !open;
    this.badge.setAttribute('aria-expanded', String(open));
    // The keyboard starts on the first request's comment, ready to decide it.
    if (open)
      (
        this.panel.querySelector<HTMLElement>('[data-testid="approval-comment"]') ?? this.panel.querySelector<HTMLElement>('a, button')
      )?.focus();
  }

  /** A decision taken from the popover closes it, and the keyboard goes back to the badge. */
  private decided(): void {
    const hadFocus = this.panel.contains(document.activeElement) || document.activeElement === document.body;
    this.toggle(false);
    if (hadFocus) this.badge.focus();
  }

  private render(): void {
    const waiting = [...this.pending.values()].filter((a) => awaitsMe(a, this.me));
    replace(
      this.badge,
      'Approvals ',
      h('span', { class: waiting.length ? 'count alert' : 'count', 'data-testid': 'approvals-count' }, waiting.length),
    );
    this.badge.title = waiting.length ? `${waiting.length} request(s) wait for your decision` : 'No requests wait for you';
    replace(
      this.panel,
      h('h2', {}, 'Team requests'),
      waiting.length === 0 ? h('p', { class: 'muted' }, 'Nothing waits for your decision.') : null,
      h(
        'ul',
        { class: 'plain' },
        ...waiting.map((approval) =>
          h(
            'li',
            { class: 'approval', 'data-testid': 'team-approval', 'data-approval-id': approval.id },
            h('div', {}, h('strong', {}, approval.kind), ' ', formatAmount(approval), ' — ', approval.summary),
            h(
              'div',
              { class: 'muted small' },
              `${approval.requestedBy.name} on `,
              this.subjects.link(approval.caseId, { 'data-testid': 'team-approval-case' }),
              ', ',
              timeElement(approval.requestedAt),
            ),
            decisionButtons(this.client, approval, () => this.decided()),
          ),
        ),
      ),
    );
  }
}
