/**
 * Who is in the case room and who owns the case. The hub decides both; this panel renders what it
 * announces and offers only the ownership actions that can succeed for this person in this state,
 * still showing the hub's answer when one is refused (the state may have moved meanwhile).
 */
import type { CaseSession, PresenceStatus, RosterMember } from '@caseroom/client';
import type { Identity } from './api.js';
import { h, replace } from './dom.js';
import { attempt, showInfo } from './notices.js';
import { byName, mayOwn, type KnownPerson, type People } from './people.js';

/** Who the case can be handed or reassigned to: people of its team (and the room) who may own it, but not its owner. */
function ownerCandidates(session: CaseSession, people: People): KnownPerson[] {
  const team = session.case?.team;
  return byName([...(team ? people.ofTeam(team) : []), ...session.roster]).filter(
    (p) => mayOwn(p.role) && p.userId !== session.owner?.userId,
  );
}

export function rosterPanel(session: CaseSession, me: Identity, people: People): { element: HTMLElement; dispose: () => void } {
  const ownerLine = h('p', { class: 'owner-line', 'data-testid': 'owner' });
  const offerLine = h('p', { class: 'offer', 'data-testid': 'handoff-offer', hidden: true });
  const list = h('ul', { class: 'plain roster', 'data-testid': 'roster' });
  const handoffTo = h('select', { required: true, 'aria-label': 'Hand off to', 'data-testid': 'handoff-to' });
  const accept = h(
    'button',
    { class: 'primary', 'data-testid': 'accept-handoff', onclick: () => attempt(() => session.acceptHandoff()) },
    'Accept',
  );
  const decline = h('button', { 'data-testid': 'decline-handoff', onclick: () => attempt(() => session.declineHandoff()) }, 'Decline');
  const resolve = h('button', { 'data-testid': 'resolve-case' });
  resolve.addEventListener('click', () =>
    attempt(async () => {
      if (session.case?.status === 'resolved') await session.reopen();
      else await session.resolve();
      render();
    }),
  );
  const claim = h('button', { class: 'primary', 'data-testid': 'claim', onclick: () => attempt(() => session.claim()) }, 'Claim');
  const release = h('button', { 'data-testid': 'release', onclick: () => attempt(() => session.release()) }, 'Release');
  const offerButton = h('button', { type: 'submit', 'data-testid': 'offer-handoff' }, 'Offer handoff');
  const reassign = h('button', { type: 'button', 'data-testid': 'reassign' }, 'Reassign');
  reassign.addEventListener('click', () => {
    if (handoffTo.value) void attempt(() => session.reassign(handoffTo.value));
  });
  const handoffForm = h(
    'form',
    {
      class: 'row',
      onsubmit: (event: SubmitEvent) => {
        event.preventDefault();
        void attempt(() => session.offerHandoff(handoffTo.value));
      },
    },
    handoffTo,
    offerButton,
    reassign,
  );
  const myStatus = h(
    'select',
    {
      'aria-label': 'My status',
      'data-testid': 'my-status',
      onchange: (event: Event) => attempt(() => session.setStatus((event.target as HTMLSelectElement).value as PresenceStatus)),
    },
    ...['active', 'idle', 'away'].map((s) => h('option', { value: s }, s)),
  );

  const memberItem = (member: RosterMember): HTMLLIElement => {
    const isOwner = session.owner?.userId === member.userId;
    const online = member.connections > 0;
    return h(
      'li',
      { class: isOwner ? 'member owner' : 'member', 'data-testid': 'roster-member', 'data-user-id': member.userId },
      h('span', { class: `dot ${online ? member.status : 'offline'}`, title: online ? member.status : 'offline' }),
      h('span', { class: 'name' }, member.name, member.userId === me.userId ? ' (you)' : ''),
      isOwner ? h('span', { class: 'pill owner-badge', 'data-testid': 'owner-badge' }, 'owner') : null,
      h(
        'span',
        { class: 'muted small' },
        `${member.role} · ${online ? member.status : 'offline'}${member.connections > 1 ? ` · ${member.connections} tabs` : ''}`,
      ),
    );
  };

  function render(): void {
    const owner = session.owner;
    replace(
      ownerLine,
      owner
        ? h(
            'span',
            {},
            'Owner: ',
            h('strong', {}, owner.name),
            owner.userId === me.userId ? ' (you)' : '',
            owner.online ? '' : ' — offline',
          )
        : h('span', { class: 'pill unowned' }, 'Unowned — claim it if you are answering the customer'),
    );
    const offer = session.ownership.offer;
    offerLine.hidden = !offer;
    if (offer) {
      const toMe = offer.to.userId === me.userId;
      replace(
        offerLine,
        toMe ? 'The case is offered to you. ' : `Handoff offered to ${offer.to.name}. `,
        toMe ? accept : null,
        toMe ? decline : null,
      );
    }
    const members = [...session.roster].sort((a, b) => Number(b.userId === owner?.userId) - Number(a.userId === owner?.userId));
    replace(list, ...members.map(memberItem));
    if (owner && !members.some((m) => m.userId === owner.userId))
      list.prepend(memberItem({ ...owner, status: 'away', connections: 0, since: '' }));
    // Rebuilt only when the people changed, so a list in use keeps its state.
    const candidates = ownerCandidates(session, people);
    const labels = candidates.map((p) => [p.userId, `${p.name} (${p.userId === me.userId ? 'you' : p.role})`] as const);
    if (handoffTo.dataset.people !== JSON.stringify(labels)) {
      const chosen = handoffTo.value;
      replace(
        handoffTo,
        h('option', { value: '' }, candidates.length ? 'choose a person' : 'nobody else can own it'),
        ...labels.map(([userId, label]) => h('option', { value: userId }, label)),
      );
      handoffTo.dataset.people = JSON.stringify(labels);
      handoffTo.value = candidates.some((p) => p.userId === chosen) ? chosen : '';
    }
    // Offer only what can succeed: an agent or supervisor claims an unowned case; the owner hands
    // it off to someone who may own it or, once resolved, releases it; a supervisor reassigns.
    const mine = owner?.userId === me.userId;
    const supervisor = me.role === 'supervisor';
    const resolved = session.case?.status === 'resolved';
    claim.hidden = owner !== null || !mayOwn(me.role);
    release.hidden = !(mine && resolved);
    offerButton.hidden = !mine;
    reassign.hidden = !supervisor;
    handoffForm.hidden = !mine && !supervisor;
    offerButton.disabled = reassign.disabled = candidates.length === 0;
    resolve.hidden = !mine && !supervisor;
    resolve.textContent = resolved ? 'Reopen' : 'Resolve';
  }

  const offs = [
    session.on('roster', render),
    session.on('owner', (_owner, _ownership, change) => {
      render();
      if (change?.kind === 'handoff_offered' && session.ownership.offer?.to.userId === me.userId) showInfo('A case is offered to you');
    }),
    session.on('case', render),
    people.onChange(render),
  ];
  render();

  const element = h(
    'section',
    { class: 'card' },
    h('h2', {}, 'People'),
    ownerLine,
    offerLine,
    list,
    h('div', { class: 'row wrap' }, claim, release, resolve),
    handoffForm,
    h('label', { class: 'row' }, 'My status ', myStatus),
  );
  return { element, dispose: () => offs.forEach((off) => off()) };
}
