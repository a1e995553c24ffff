/**
 * One case: the conversation with the customer and the co-edited document (notes, next steps,
 * facts) on the left; people, approvals and the event feed on the right. The view owns the case
 * session and closes it when left.
 */
import type { CaseClient, SessionStatus } from '@caseroom/client';
import type { HubApi, Identity } from './api.js';
import { approvalsPanel } from './approvals.js';
import type { CaseSubjects } from './caseSubjects.js';
import { conversationPanel } from './conversation.js';
import { h, replace } from './dom.js';
import { EventFeed } from './eventFeed.js';
import { factsPanel } from './facts.js';
import { notesPanel } from './notes.js';
import { showError } from './notices.js';
import type { People } from './people.js';
import { rosterPanel } from './roster.js';
import { stepsPanel } from './steps.js';

const sessionLabels: Record<SessionStatus, string> = {
  connecting: 'joining…',
  synced: 'live',
  offline: 'offline — your edits are kept',
  closed: 'closed',
};

/** What every view of the signed-in console shares. */
export interface ConsoleContext {
  client: CaseClient;
  api: HubApi;
  /** names for user ids */
  people: People;
  /** subjects for case ids */
  subjects: CaseSubjects;
  me: Identity;
}

export function caseView(context: ConsoleContext, caseId: string): { element: HTMLElement; dispose: () => void } {
  const { client, api, people, subjects, me } = context;
  const session = client.openCase(caseId);
  const title = h('h1', { 'data-testid': 'case-subject' }, caseId);
  const meta = h('p', { class: 'muted' });
  const status = h('span', { class: 'pill', 'data-testid': 'case-session-status' });
  const feed = new EventFeed(api, caseId, people);
  let directoryRead = false;

  const renderHeader = (): void => {
    const record = session.case;
    title.textContent = record?.subject ?? caseId;
    replace(
      meta,
      `${caseId}`,
      record?.customer ? ` · ${record.customer.name} (${record.customer.channel})` : '',
      record ? ` · ${record.team} · ` : '',
      record ? h('span', { class: `pill ${record.status}`, 'data-testid': 'case-status' }, record.status) : null,
    );
    status.textContent = sessionLabels[session.status];
    status.dataset.status = session.status;
  };

  const panels = [
    conversationPanel(session, me),
    notesPanel(session, me),
    stepsPanel(session, people, me),
    factsPanel(session, people),
    rosterPanel(session, me, people),
    approvalsPanel(client, session, me),
  ];
  const [conversation, notes, steps, facts, roster, approvals] = panels.map((p) => p.element);

  // notes.changed is recorded after the hub's debounce window (2 s by default): look again later.
  const onDocUpdate = (): void => feed.refreshSoon(2500);
  session.doc.on('update', onDocUpdate);
  const offs = [
    session.on('status', renderHeader),
    session.on('case', (record) => {
      // Read the case team's directory as the case opens (people sign in all day; a supervisor
      // may open another team's case), then keep it.
      subjects.remember(record);
      if (!directoryRead) void people.loadTeam(record.team, true);
      directoryRead = true;
      renderHeader();
      feed.refreshSoon();
    }),
    session.on('roster', (members) => {
      people.learn(members);
      feed.refreshSoon();
    }),
    session.on('owner', (owner) => {
      if (owner) people.learn([owner]);
      feed.refreshSoon();
    }),
    session.on('approvals', () => feed.refreshSoon()),
    session.on('conversation', (_conversation, change) => {
      if (change.kind !== 'composing') feed.refreshSoon();
    }),
    session.on('error', showError),
  ];
  session.synced.then(renderHeader, () => undefined);
  renderHeader();
  void feed.load();

  const element = h(
    'main',
    { class: 'case-view', 'data-testid': 'case-view', 'data-case-id': caseId },
    h('div', { class: 'case-head' }, h('a', { href: '#/', class: 'back', 'data-testid': 'back-to-cases' }, '← Cases'), title, status, meta),
    h(
      'div',
      { class: 'columns' },
      h('div', { class: 'column' }, conversation, notes, steps, facts),
      h('div', { class: 'column' }, roster, approvals, feed.element),
    ),
  );
  return {
    element,
    dispose: () => {
      for (const off of offs) off();
      for (const panel of panels) panel.dispose();
      session.doc.off('update', onDocUpdate);
      feed.dispose();
      void session.close();
    },
  };
}
