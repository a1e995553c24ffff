/**
 * The console's shell: sign in, then one CaseClient (one socket) for the whole page, a header with
 * who you are, the connection and the team's approval badge, and a hash route per view:
 * `#/` the case list, `#/case/<id>` one case, `#/reviews` the supervisors' review queue.
 */
import { CaseClient } from '@caseroom/client';
import { HubApi } from './api.js';
import { caseListView } from './caseList.js';
import { CaseSubjects } from './caseSubjects.js';
import { caseView } from './caseView.js';
import { connectionIndicator } from './connection.js';
import { h, replace } from './dom.js';
import { showError } from './notices.js';
import { noticeOverdueSteps } from './overdueNotices.js';
import { People } from './people.js';
import { reviewsView } from './reviews.js';
import { loadSignIn, signInFromFragment, signInView, signOut, type SignedIn } from './signIn.js';
import { TeamApprovals } from './teamApprovals.js';

const app = document.getElementById('app')!;

function start(): void {
  const signedIn = loadSignIn();
  if (signedIn) openConsole(signedIn);
  else
    replace(
      app,
      signInView(() => start()),
    );
}

function openConsole({ token, identity }: SignedIn): void {
  const client = new CaseClient({ url: location.origin, token });
  const api = new HubApi(token);
  const connection = connectionIndicator(client);
  const subjects = new CaseSubjects(api);
  const people = new People(api, identity);
  const approvals = new TeamApprovals(client, identity, subjects);
  const stopOverdueNotices = noticeOverdueSteps(client, identity, subjects);
  const view = h('div', { class: 'view' });
  let current: { element: HTMLElement; dispose: () => void } | null = null;

  const leave = (): void => {
    window.removeEventListener('hashchange', route);
    current?.dispose();
    connection.dispose();
    approvals.dispose();
    stopOverdueNotices();
    void client.close();
    signOut();
    location.hash = '';
    start();
  };
  client.on('error', (err) => {
    showError(err);
    if (['invalid_token', 'token_expired', 'unauthenticated'].includes(err.code)) leave();
  });

  function route(): void {
    current?.dispose();
    const match = /^#\/case\/(.+)$/.exec(location.hash);
    if (match) current = caseView({ client, api, people, subjects, me: identity }, decodeURIComponent(match[1]!));
    else if (location.hash === '#/reviews' && identity.role === 'supervisor') current = reviewsView(api, subjects, identity.team);
    else current = caseListView(api, subjects, identity.team);
    replace(view, current.element);
    view.querySelector<HTMLElement>('h1')?.setAttribute('tabindex', '-1');
  }

  replace(
    app,
    h(
      'header',
      { class: 'top' },
      h('a', { href: '#/', class: 'brand' }, 'caseroom'),
      connection.element,
      h('span', { class: 'grow' }),
      identity.role === 'supervisor' ? h('a', { href: '#/reviews', class: 'nav', 'data-testid': 'nav-reviews' }, 'Reviews') : null,
      approvals.badge,
      h(
        'span',
        { class: 'who', 'data-testid': 'who' },
        `${identity.name}${identity.department ? ` (${identity.department})` : ''} · ${identity.role} · ${identity.team}`,
      ),
      h('button', { class: 'small', 'data-testid': 'sign-out', onclick: leave }, 'Sign out'),
    ),
    approvals.element,
    view,
  );
  window.addEventListener('hashchange', route);
  route();
}

signInFromFragment().then(
  (handedOver) => (handedOver ? openConsole(handedOver) : start()),
  (err: unknown) => {
    start();
    showError(err);
  },
);
