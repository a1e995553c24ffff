/**
 * The supervisors' review queue: every decided peer approval of the team, with who asked, who
 * decided and why, waiting for a supervisor to uphold or correct it. Reviewed ones are listed
 * below, so the record of a decision can be read later.
 */
import type { Approval } from '@caseroom/client';
import type { HubApi } from './api.js';
import type { CaseSubjects } from './caseSubjects.js';
import { h, replace, timeElement } from './dom.js';
import { attempt } from './notices.js';
import { formatAmount } from './teamApprovals.js';

function decisionLines(approval: Approval): HTMLElement[] {
  return approval.decisions.map((d) =>
    h(
      'div',
      { class: 'small' },
      h('strong', {}, d.by.name),
      ` ${d.verdict === 'approve' ? 'approved' : 'rejected'}`,
      d.comment ? `: “${d.comment}”` : '',
      ' · ',
      timeElement(d.at),
    ),
  );
}

function reviewForm(api: HubApi, approval: Approval, onReviewed: () => void): HTMLFormElement {
  const note = h('input', { required: true, placeholder: 'Note for the team', 'aria-label': 'Review note', 'data-testid': 'review-note' });
  const submit = (verdict: 'upheld' | 'corrected') => async (event: Event) => {
    event.preventDefault();
    if (!note.reportValidity()) return;
    if (await attempt(() => api.review(approval.id, verdict, note.value.trim()))) onReviewed();
  };
  return h(
    'form',
    { class: 'row', onsubmit: (event: SubmitEvent) => event.preventDefault() },
    note,
    h('button', { class: 'primary small', 'data-testid': 'review-uphold', onclick: submit('upheld') }, 'Uphold'),
    h('button', { class: 'danger small', 'data-testid': 'review-correct', onclick: submit('corrected') }, 'Correct'),
  );
}

function reviewItem(api: HubApi, subjects: CaseSubjects, approval: Approval, onReviewed: () => void): HTMLLIElement {
  return h(
    'li',
    { class: 'approval', 'data-testid': 'review', 'data-approval-id': approval.id, 'data-status': approval.status },
    h(
      'div',
      { class: 'row spread' },
      h('span', {}, h('strong', {}, approval.kind), ' ', formatAmount(approval), ' — ', approval.summary),
      h('span', { class: `pill ${approval.status}` }, approval.status),
    ),
    h(
      'div',
      { class: 'muted small' },
      subjects.link(approval.caseId, { 'data-testid': 'review-case' }),
      ` · asked by ${approval.requestedBy.name}, `,
      timeElement(approval.requestedAt),
    ),
    approval.customerProposal ? h('div', { class: 'small' }, `Customer proposed: ${approval.customerProposal}`) : null,
    ...decisionLines(approval),
    approval.review
      ? h(
          'div',
          { class: 'small', 'data-testid': 'review-verdict' },
          h('strong', {}, approval.review.by.name),
          ` ${approval.review.verdict}: “${approval.review.note}”`,
        )
      : reviewForm(api, approval, onReviewed),
  );
}

export function reviewsView(api: HubApi, subjects: CaseSubjects, team: string): { element: HTMLElement; dispose: () => void } {
  const waiting = h('ul', { class: 'plain', 'data-testid': 'review-queue' });
  const done = h('ul', { class: 'plain', 'data-testid': 'reviewed' });
  const load = async (): Promise<void> => {
    await attempt(async () => {
      const [queue, reviewed] = await Promise.all([api.reviews(team, false), api.reviews(team, true)]);
      replace(waiting, ...queue.map((a) => reviewItem(api, subjects, a, () => void load())));
      if (queue.length === 0) replace(waiting, h('li', { class: 'muted' }, 'Every decision has been reviewed.'));
      replace(done, ...reviewed.map((a) => reviewItem(api, subjects, a, () => void load())));
      if (reviewed.length === 0) replace(done, h('li', { class: 'muted' }, 'Nothing reviewed yet.'));
    });
  };
  void load();
  const element = h(
    'main',
    { class: 'reviews' },
    h(
      'section',
      { class: 'card' },
      h(
        'div',
        { class: 'row spread' },
        h('h1', {}, `Decisions to review · ${team}`),
        h('button', { class: 'small', 'data-testid': 'reviews-refresh', onclick: () => void load() }, 'Refresh'),
      ),
      waiting,
    ),
    h('section', { class: 'card' }, h('h2', {}, 'Reviewed'), done),
  );
  return { element, dispose: () => undefined };
}
