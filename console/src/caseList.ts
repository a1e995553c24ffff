/**
 * The team's cases: open ones first (unowned at the top, since they wait for a first responder),
 * then resolved ones; and a form to open a new case.
 */
import type { CaseRecord, Ownership } from '@caseroom/client';
import type { HubApi } from './api.js';
import { h, replace, timeElement } from './dom.js';
import { attempt } from './notices.js';

interface Row {
  record: CaseRecord;
  owner: Ownership['owner'];
}

function rank(row: Row): number {
  if (row.record.status !== 'open') return 2;
  return row.owner ? 1 : 0;
}

function newCaseForm(api: HubApi, onCreated: (record: CaseRecord) => void): HTMLFormElement {
  const subject = h('input', { name: 'subject', required: true, placeholder: 'Charged twice', 'data-testid': 'new-case-subject' });
  const customer = h('input', { name: 'customer', placeholder: 'Kim', 'data-testid': 'new-case-customer' });
  const channel = h(
    'select',
    { name: 'channel', 'data-testid': 'new-case-channel' },
    ...['phone', 'email', 'chat'].map((c) => h('option', { value: c }, c)),
  );
  const id = h('input', {
    name: 'id',
    placeholder: 'generated',
    pattern: '[A-Za-z0-9][A-Za-z0-9_.\\-]{0,63}',
    'data-testid': 'new-case-id',
  });
  return h(
    'form',
    {
      class: 'card new-case',
      'data-testid': 'new-case-form',
      onsubmit: async (event: SubmitEvent) => {
        event.preventDefault();
        await attempt(async () => {
          const record = await api.createCase({
            subject: subject.value.trim(),
            ...(id.value.trim() ? { id: id.value.trim() } : {}),
            ...(customer.value.trim() ? { customer: { name: customer.value.trim(), channel: channel.value } } : {}),
          });
          onCreated(record);
        });
      },
    },
    h('h2', {}, 'New case'),
    h('label', {}, 'Subject', subject),
    h('div', { class: 'row' }, h('label', {}, 'Customer', customer), h('label', {}, 'Channel', channel)),
    h('label', {}, 'Case id', id),
    h('button', { type: 'submit', class: 'primary', 'data-testid': 'new-case-submit' }, 'Create case'),
  );
}

export function caseListView(api: HubApi, team: string): { element: HTMLElement; dispose: () => void } {
  const body = h('tbody', {});
  const summary = h('p', { class: 'muted' }, 'Loading…');
  const load = async (): Promise<void> => {
    await attempt(async () => {
      const [open, resolved] = await Promise.all([api.listCases('open'), api.listCases('resolved')]);
      const rows: Row[] = [...open, ...resolved];
      rows.sort((a, b) => rank(a) - rank(b) || b.record.updatedAt.localeCompare(a.record.updatedAt));
      summary.textContent = `${open.length} open, ${resolved.length} resolved`;
      replace(body, ...rows.map(caseRow));
      if (rows.length === 0) replace(body, h('tr', {}, h('td', { colspan: 5, class: 'muted' }, 'No cases yet — create the first one.')));
    });
  };
  const timer = setInterval(() => void load(), 15_000);
  void load();
  const element = h(
    'main',
    { class: 'case-list' },
    h(
      'section',
      { class: 'card' },
      h(
        'div',
        { class: 'row spread' },
        h('h1', {}, `Cases of ${team}`),
        h('button', { class: 'small', 'data-testid': 'cases-refresh', onclick: () => void load() }, 'Refresh'),
      ),
      summary,
      h(
        'table',
        { 'data-testid': 'case-list' },
        h(
          'thead',
          {},
          h('tr', {}, h('th', {}, 'Case'), h('th', {}, 'Customer'), h('th', {}, 'Status'), h('th', {}, 'Owner'), h('th', {}, 'Updated')),
        ),
        body,
      ),
    ),
    newCaseForm(api, (record) => {
      location.hash = `#/case/${encodeURIComponent(record.id)}`;
    }),
  );
  return { element, dispose: () => clearInterval(timer) };
}

function caseRow({ record, owner: current }: Row): HTMLTableRowElement {
  const href = `#/case/${encodeURIComponent(record.id)}`;
  const owner = record.status === 'open' ? (current?.name ?? null) : null;
  return h(
    'tr',
    { 'data-testid': 'case-row', 'data-case-id': record.id, class: record.status },
    h('td', {}, h('a', { href, 'data-testid': 'case-link' }, record.subject), h('div', { class: 'muted small' }, record.id)),
    h('td', {}, record.customer ? `${record.customer.name} (${record.customer.channel})` : '—'),
    h('td', {}, h('span', { class: `pill ${record.status}` }, record.status)),
    h('td', {}, record.status !== 'open' ? '—' : owner ? owner : h('span', { class: 'pill unowned' }, 'unowned')),
    h('td', {}, timeElement(record.updatedAt)),
  );
}
