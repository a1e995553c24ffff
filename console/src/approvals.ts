/** Peer approvals of one case: ask a peer, see every request and its outcome, decide others'. */
import type { Approval, CaseClient, CaseSession } from '@caseroom/client';
import type { Identity } from './api.js';
import { h, replace, timeElement } from './dom.js';
import { attempt } from './notices.js';
import { awaitsMe, decisionButtons, formatAmount } from './teamApprovals.js';

function requestForm(session: CaseSession): HTMLFormElement {
  const kind = h('input', {
    required: true,
    value: 'refund',
    list: 'approval-kinds',
    'aria-label': 'Kind',
    'data-testid': 'approval-kind',
  });
  const summary = h('input', {
    required: true,
    placeholder: 'What should a peer agree to?',
    'aria-label': 'Summary',
    'data-testid': 'approval-summary',
  });
  const amount = h('input', {
    type: 'number',
    min: 0,
    step: '0.01',
    placeholder: 'amount',
    'aria-label': 'Amount',
    'data-testid': 'approval-amount',
  });
  const currency = h('input', { value: 'EUR', maxlength: 3, size: 4, 'aria-label': 'Currency', 'data-testid': 'approval-currency' });
  const proposal = h('input', {
    placeholder: 'what the customer thinks is fair',
    'aria-label': 'Customer proposal',
    'data-testid': 'approval-proposal',
  });
  const form = h(
    'form',
    {
      class: 'stack',
      'data-testid': 'approval-form',
      onsubmit: async (event: SubmitEvent) => {
        event.preventDefault();
        const ok = await attempt(() =>
          session.requestApproval({
            kind: kind.value.trim(),
            summary: summary.value.trim(),
            ...(amount.value ? { amount: Number(amount.value), currency: currency.value.trim().toUpperCase() } : {}),
            ...(proposal.value.trim() ? { customerProposal: proposal.value.trim() } : {}),
          }),
        );
        if (ok) for (const input of [summary, amount, proposal]) input.value = '';
      },
    },
    h('div', { class: 'row' }, kind, amount, currency),
    summary,
    proposal,
    h('button', { type: 'submit', 'data-testid': 'approval-request' }, 'Ask a peer'),
    h(
      'datalist',
      { id: 'approval-kinds' },
      ...['refund', 'fee_waiver', 'payment_plan', 'goodwill_credit'].map((k) => h('option', { value: k })),
    ),
  );
  return form;
}

function approvalItem(client: CaseClient, approval: Approval, me: Identity): HTMLLIElement {
  const mine = approval.requestedBy.userId === me.userId;
  return h(
    'li',
    { class: 'approval', 'data-testid': 'approval', 'data-approval-id': approval.id, 'data-status': approval.status },
    h(
      'div',
      { class: 'row spread' },
      h('span', {}, h('strong', {}, approval.kind), ' ', formatAmount(approval), ' — ', approval.summary),
      h('span', { class: `pill ${approval.status}`, 'data-testid': 'approval-status' }, approval.status),
    ),
    h('div', { class: 'muted small' }, `asked by ${mine ? 'you' : approval.requestedBy.name}, `, timeElement(approval.requestedAt)),
    approval.customerProposal ? h('div', { class: 'small' }, `Customer proposes: ${approval.customerProposal}`) : null,
    ...approval.decisions.map((d) =>
      h(
        'div',
        { class: 'small' },
        `${d.by.name} ${d.verdict === 'approve' ? 'approved' : 'rejected'}`,
        d.comment ? `: “${d.comment}”` : '',
      ),
    ),
    awaitsMe(approval, me) ? decisionButtons(client, approval) : null,
    mine && approval.status === 'pending'
      ? h(
          'button',
          { class: 'small', 'data-testid': 'approval-cancel', onclick: () => attempt(() => client.cancel(approval.id)) },
          'Cancel request',
        )
      : null,
  );
}

export function approvalsPanel(client: CaseClient, session: CaseSession, me: Identity): { element: HTMLElement; dispose: () => void } {
  const list = h('ul', { class: 'plain', 'data-testid': 'case-approvals' });
  const render = (approvals: Approval[]): void => {
    const sorted = [...approvals].sort(
      (a, b) => Number(b.status === 'pending') - Number(a.status === 'pending') || b.requestedAt.localeCompare(a.requestedAt),
    );
    replace(list, ...sorted.map((a) => approvalItem(client, a, me)));
    if (sorted.length === 0) replace(list, h('li', { class: 'muted' }, 'No approval requests on this case.'));
  };
  const off = session.on('approvals', render);
  render(session.approvals);
  // Bots never ask for approval (the hub refuses them): they get no form.
  const form = me.role === 'bot' ? null : requestForm(session);
  return { element: h('section', { class: 'card' }, h('h2', {}, 'Peer approvals'), list, form), dispose: off };
}
