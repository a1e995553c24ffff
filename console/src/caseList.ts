/**
 * The team's cases: open ones first (unowned at the top, since they wait for a first responder),
 * then resolved ones, each with how long its customer has waited for an answer; or only the cases
 * whose customer waits, longest wait first. And a form to open a new case.
 */
import type { CaseRecord, Ownership } from '@caseroom/client';
import type { HubApi } from './api.js';
import type { CaseSubjects } from './caseSubjects.js';
import { h, replace, timeElement, waitedFor } from './dom.js';
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

/** How the list is ordered; kept for the tab, so coming back to the list keeps the choice. */
type ListOrder = 'recent' | 'waiting';
const orderKey = 'caseroom.caseOrder';

export function caseListView(api: HubApi, subjects: CaseSubjects, team: string): { element: HTMLElement; dispose: () => void } {
  const body = h('tbody', {});
  const summary = h('p', { class: 'muted' }, 'Loading…');
  const order = h(
    'select',
    {
      'aria-label': 'Order',
      'data-testid': 'case-sort',
      onchange: () => {
        sessionStorage.setItem(orderKey, order.value);
        void load();
      },
    },
    h('option', { value: 'recent' }, 'Open first, recently updated'),
    h('option', { value: 'waiting' }, 'Customers waiting, longest first'),
  );
  order.value = sessionStorage.getItem(orderKey) === 'waiting' ? 'waiting' : 'recent';
  const load = async (): Promise<void> => {
    await attempt(async () => {
      if ((order.value as ListOrder) === 'waiting') {
        // The hub orders them: the longest wait first.
        const waiting = await api.listCases('open', 'waiting');
        for (const { record } of waiting) subjects.remember(record);
        summary.textContent = `${waiting.length} customer${waiting.length === 1 ? '' : 's'} waiting for an answer`;
        replace(body, ...waiting.map(caseRow));
        if (waiting.length === 0) replace(body, h('tr', {}, h('td', { colspan: 6, class: 'muted' }, 'Nobody is waiting for an answer.')));
        return;
      }
      const [open, resolved] = await Promise.all([api.listCases('open'), api.listCases('resolved')]);
      const rows: Row[] = [...open, ...resolved];
      for (const { record } of rows) subjects.remember(record);
      rows.sort((a, b) => rank(a) - rank(b) || b.record.updatedAt.localeCompare(a.record.updatedAt));
      summary.textContent = `${open.length} open, ${resolved.length} resolved`;
      replace(body, ...rows.map(caseRow));
      if (rows.length === 0) replace(body, h('tr', {}, h('td', { colspan: 6, class: 'muted' }, 'No cases yet — create the first one.')));
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
        h(
          'div',
          { class: 'row' },
          order,
          h('button', { class: 'small', 'data-testid': 'cases-refresh', onclick: () => void load() }, 'Refresh'),
        ),
      ),
      summary,
      h(
        'table',
        { 'data-testid': 'case-list' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {}, 'Case'),
            h('th', {}, 'Customer'),
            h('th', {}, 'Status'),
            h('th', {}, 'Owner'),
            h('th', {}, 'Waiting'),
            h('th', {}, 'Updated'),
          ),
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
    h(
      'td',
      {},
      record.waitingSince
        ? h(
            'span',
            { class: 'pill waiting', 'data-testid': 'case-waiting', title: `since ${new Date(record.waitingSince).toLocaleString()}` },
            `waiting ${waitedFor(record.waitingSince)}`,
          )
        : h('span', { class: 'muted' }, '—'),
    ),
    h('td', {}, timeElement(record.updatedAt)),
  );
}
