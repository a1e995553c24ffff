/**
 * Writing to the customer. One voice speaks: the owner, and whoever the owner gives the floor to;
 * everyone else is told why they cannot, and drafts in the notes. The composer shows who else is
 * writing a reply and tells the room while you write; if someone else is writing when you send, it
 * asks before the customer gets two answers. Beside it, what the customer already told us, so the
 * reply does not ask again.
 */
import { CaseroomError, channels, speakerLabel, type CaseSession, type Channel, type Fact } from '@caseroom/client';
import type { Identity } from './api.js';
import { h, replace } from './dom.js';
import { citationLink } from './facts.js';
import { attempt, showError } from './notices.js';

/** A fact, briefly ("order number: A-1001"), with the message it came from when it cites one. */
function knownFact(question: string, fact: Fact): HTMLLIElement {
  return h('li', { 'data-testid': 'known-fact' }, h('strong', {}, question), `: ${fact.answer} `, citationLink(fact));
}

export function composerPanel(session: CaseSession, me: Identity): { element: HTMLElement; dispose: () => void } {
  const floorLine = h('p', { class: 'floor-line', 'data-testid': 'floor' });
  const closed = h('p', { class: 'hint', 'data-testid': 'composer-closed', hidden: true });
  const writing = h('p', { class: 'muted small writing', 'data-testid': 'composing', hidden: true });
  const body = h('textarea', {
    rows: 3,
    placeholder: 'Write to the customer…',
    'aria-label': 'Reply to the customer',
    'data-testid': 'composer-body',
  });
  const channel = h(
    'select',
    { 'aria-label': 'Channel', 'data-testid': 'composer-channel' },
    h('option', { value: '' }, 'where the customer last wrote'),
    ...channels.map((c) => h('option', { value: c }, c)),
  );
  const confirmText = h('span', {});
  const confirmBox = h(
    'div',
    { class: 'offer', 'data-testid': 'composer-confirm-box', hidden: true },
    confirmText,
    h(
      'button',
      { type: 'button', class: 'primary small', 'data-testid': 'composer-confirm', onclick: () => void send(true) },
      'Send anyway',
    ),
    h('button', { type: 'button', class: 'small', onclick: () => (confirmBox.hidden = true) }, 'Wait'),
  );
  const form = h(
    'form',
    {
      class: 'composer stack',
      'data-testid': 'composer',
      onsubmit: (event: SubmitEvent) => {
        event.preventDefault();
        void send(false);
      },
    },
    body,
    h(
      'div',
      { class: 'row' },
      h('label', { class: 'row' }, 'Channel ', channel),
      h('span', { class: 'grow' }),
      h('button', { type: 'submit', class: 'primary', 'data-testid': 'composer-send' }, 'Send'),
    ),
    confirmBox,
  );
  const known = h('ul', { class: 'plain known', 'data-testid': 'known-facts' });
  const floorTo = h('select', { 'aria-label': 'Give the floor to', 'data-testid': 'floor-to' });
  const give = h('button', { type: 'button', 'data-testid': 'floor-give' }, 'Give the floor');
  give.addEventListener('click', () => {
    if (floorTo.value) void attempt(() => session.giveFloor(floorTo.value));
  });
  const take = h('button', { type: 'button', 'data-testid': 'floor-take', onclick: () => attempt(() => session.takeFloor()) });
  const floorControls = h('div', { class: 'row wrap', 'data-testid': 'floor-controls' }, floorTo, give, take);

  // Tells the room while there is a reply in the box; the session renews the mark and sends only changes.
  body.addEventListener('input', () => {
    if (session.maySpeak) session.composing(body.value.trim() !== '').catch(() => undefined);
  });

  async function send(confirm: boolean): Promise<void> {
    const text = body.value.trim();
    if (!text) return;
    try {
      await session.send(text, { ...(channel.value ? { channel: channel.value as Channel } : {}), ...(confirm ? { confirm } : {}) });
      body.value = '';
      confirmBox.hidden = true;
    } catch (err) {
      if (err instanceof CaseroomError && err.code === 'reply_in_progress') {
        replace(confirmText, `${othersWriting() || 'Someone'} is writing a reply too. Send yours anyway?`);
        confirmBox.hidden = false;
        return;
      }
      showError(err);
    }
  }

  /** Who else is writing a reply, by label. */
  const othersWriting = (): string =>
    session.conversation.composing
      .filter((c) => c.person.userId !== me.userId)
      .map((c) => speakerLabel(c.person))
      .join(', ');

  const render = (): void => {
    const owner = session.owner;
    const holder = session.conversation.floor.holder;
    replace(
      floorLine,
      owner
        ? h(
            'span',
            {},
            h('strong', {}, owner.name),
            ' (owner) writes to the customer',
            holder ? ` — ${speakerLabel(holder)} has the floor too` : '',
          )
        : 'Nobody owns this case yet: whoever claims it answers the customer.',
    );
    const mayWrite = session.maySpeak;
    form.hidden = !mayWrite;
    closed.hidden = mayWrite;
    if (!mayWrite)
      replace(
        closed,
        owner
          ? `Only ${owner.name} and whoever ${owner.name} gives the floor to write to the customer. Draft your answer in the notes.`
          : 'Claim the case to answer the customer.',
      );
    const others = othersWriting();
    writing.hidden = others === '';
    replace(writing, `${others} is writing a reply…`);

    // The owner (or a supervisor) gives the floor to someone in the room; the holder may hand it back.
    const mayGive = owner !== null && (owner.userId === me.userId || me.role === 'supervisor');
    const candidates = session.roster.filter(
      (m) => m.connections > 0 && m.role !== 'bot' && m.userId !== owner?.userId && m.userId !== holder?.userId,
    );
    const chosen = floorTo.value;
    replace(floorTo, h('option', { value: '' }, 'choose a person'), ...candidates.map((m) => h('option', { value: m.userId }, m.name)));
    floorTo.value = candidates.some((m) => m.userId === chosen) ? chosen : '';
    floorTo.hidden = give.hidden = !mayGive || candidates.length === 0;
    take.hidden = holder === null || !(mayGive || holder.userId === me.userId);
    take.textContent = holder?.userId === me.userId ? 'Hand the floor back' : `Take the floor back from ${holder?.name ?? ''}`;
    floorControls.hidden = give.hidden && take.hidden;
  };

  const renderFacts = (): void => {
    const facts = Object.entries(session.facts.toJSON()).sort(([a], [b]) => a.localeCompare(b));
    replace(known, ...facts.map(([question, fact]) => knownFact(question, fact)));
    if (facts.length === 0) replace(known, h('li', { class: 'muted' }, 'Nothing recorded yet.'));
  };

  const offs = [session.on('conversation', render), session.on('owner', render), session.on('roster', render)];
  session.facts.map.observe(renderFacts);
  render();
  renderFacts();

  return {
    element: h(
      'div',
      { class: 'composer-area' },
      floorLine,
      floorControls,
      writing,
      closed,
      h(
        'div',
        { class: 'composer-columns' },
        form,
        h('aside', { class: 'known-area' }, h('h3', {}, 'Already known — don’t ask again'), known),
      ),
    ),
    dispose: () => {
      offs.forEach((off) => off());
      session.facts.map.unobserve(renderFacts);
    },
  };
}
