/**
 * The team's pending approval requests, from any case: a badge in the header that counts the
 * requests waiting for you, and a panel to approve or reject them without opening the case.
 */
import type { Approval, CaseClient } from '@caseroom/client';
import type { Identity } from './api.js';
import { h, replace, timeElement } from './dom.js';
import { attempt, showInfo } from './notices.js';

export function formatAmount(approval: Approval): string {
  return approval.amount === null ? '' : `${approval.amount.toFixed(2)} ${approval.currency ?? ''}`.trim();
}

/** Whether `me` can still decide this request (pending, someone else's, not decided by me yet). */
export function awaitsMe(approval: Approval, me: Identity): boolean {
  return (
    approval.status === 'pending' && approval.requestedBy.userId !== me.userId && !approval.decisions.some((d) => d.by.userId === me.userId)
  );
}

export function decisionButtons(client: CaseClient, approval: Approval): HTMLElement {
  const comment = h('input', { placeholder: 'Comment (optional)', 'aria-label': 'Comment', 'data-testid': 'approval-comment' });
  const decide = (verdict: 'approve' | 'reject') => () =>
    attempt(async () => {
      const text = comment.value.trim() || undefined;
      if (verdict === 'approve') await client.approve(approval.id, text);
      else await client.reject(approval.id, text);
    });
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
  ) {
    this.badge = h('button', { class: 'badge-button', 'aria-expanded': 'false', 'data-testid': 'approvals-badge' });
    this.panel = h('aside', { class: 'card team-approvals', hidden: true, 'data-testid': 'team-approvals' });
    this.badge.addEventListener('click', () => this.toggle());
    this.panel.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') this.toggle(false);
    });
    this.unsubscribe.push(
      client.on('approval', ({ approval }) => {
        if (approval.status === 'pending') this.pending.set(approval.id, approval);
        else this.pending.delete(approval.id);
        this.render();
      }),
      client.onApprovalRequested((approval) => {
        if (approval.requestedBy.userId !== this.me.userId) showInfo(`${approval.requestedBy.name} asks for approval: ${approval.summary}`);
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
    this.panel.hidden = !open;
    this.badge.setAttribute('aria-expanded', String(open));
    if (open) (this.panel.querySelector('button, input') as HTMLElement | null)?.focus();
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
              h('a', { href: `#/case/${encodeURIComponent(approval.caseId)}` }, approval.caseId),
              ', ',
              timeElement(approval.requestedAt),
            ),
            decisionButtons(this.client, approval),
          ),
        ),
      ),
    );
  }
}
