/**
 * The conversation with the customer: the thread across channels, as everyone in the room reads
 * it (who wrote each reply, with their department; whether the channel delivered it; what was
 * corrected or redacted), since when the customer waits, and the composer below it. The hub keeps
 * the thread; the session keeps this pane's copy whole and in order.
 */
import { speakerLabel, type CaseSession, type Message } from '@caseroom/client';
import type { Identity } from './api.js';
import { composerPanel } from './composer.js';
import { h, replace, timeElement, waitedFor } from './dom.js';
import { attempt } from './notices.js';

/** Who a message is from, as the room reads it: the customer, or the teammate with their department. */
function fromWhom(message: Message): string {
  if (message.kind === 'message' && message.direction === 'in') return message.customer?.name ?? 'Customer';
  return speakerLabel(message.author);
}

function deliveryPill(message: Message): HTMLElement | null {
  const { delivery } = message;
  if (!delivery) return null;
  const text = delivery.status === 'failed' ? `not delivered: ${delivery.reason ?? 'no reason given'}` : delivery.status;
  return h('span', { class: `pill delivery ${delivery.status}`, 'data-testid': 'delivery', 'data-status': delivery.status }, text);
}

function attachmentLinks(message: Message): HTMLElement | null {
  if (message.attachments.length === 0) return null;
  return h(
    'ul',
    { class: 'plain attachments' },
    ...message.attachments.map((a) =>
      h('li', {}, h('a', { href: a.url, target: '_blank', rel: 'noopener noreferrer' }, a.name), ` (${Math.ceil(a.size / 1024)} KB)`),
    ),
  );
}

function messageBody(message: Message, corrected: boolean): HTMLElement {
  if (message.kind === 'correction')
    return h(
      'div',
      { class: 'body', 'data-testid': 'message-body' },
      h('span', { class: 'muted' }, `corrects message ${message.replaces}: `),
      message.body,
    );
  if (message.kind === 'redaction')
    return h(
      'div',
      { class: 'body muted', 'data-testid': 'message-body' },
      `redacted message ${message.replaces}: `,
      h('em', {}, message.body),
    );
  if (message.redacted)
    return h('div', { class: 'body' }, h('em', { class: 'muted', 'data-testid': 'message-redacted' }, 'Redacted — hidden from everyone'));
  return h(
    'div',
    { class: 'body', 'data-testid': 'message-body' },
    message.body,
    corrected ? h('span', { class: 'pill', 'data-testid': 'message-corrected' }, 'corrected') : null,
  );
}

function messageItem(message: Message, corrected: boolean): HTMLLIElement {
  return h(
    'li',
    {
      class: `message ${message.direction} ${message.kind}`,
      id: `message-${message.seq}`,
      'data-testid': 'message',
      'data-seq': message.seq,
      'data-direction': message.direction,
      'data-kind': message.kind,
      'data-channel': message.channel,
    },
    h(
      'div',
      { class: 'meta' },
      h('span', { class: 'direction' }, message.direction === 'in' ? '← from the customer' : '→ to the customer'),
      h('span', { class: 'pill', 'data-testid': 'message-channel' }, message.channel),
      h('strong', { 'data-testid': 'message-author' }, fromWhom(message)),
      timeElement(message.at),
    ),
    messageBody(message, corrected),
    attachmentLinks(message),
    deliveryPill(message),
  );
}

export function conversationPanel(session: CaseSession, me: Identity): { element: HTMLElement; dispose: () => void } {
  // Focusable, so that a keyboard can scroll the thread.
  const list = h('ol', { class: 'plain thread', tabindex: 0, 'aria-label': 'Messages', 'data-testid': 'thread' });
  const waiting = h('span', { class: 'pill waiting', 'data-testid': 'conversation-waiting', hidden: true });
  const earlier = h(
    'button',
    {
      class: 'small',
      'data-testid': 'thread-earlier',
      hidden: true,
      onclick: () => attempt(() => session.history({ before: session.conversation.messages[0]!.seq })),
    },
    'Show earlier messages',
  );
  const composer = composerPanel(session, me);

  const render = (): void => {
    const { messages, waitingSince } = session.conversation;
    const corrected = new Set(messages.filter((m) => m.kind === 'correction').map((m) => m.replaces));
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    replace(list, ...messages.map((m) => messageItem(m, corrected.has(m.seq))));
    if (messages.length === 0) replace(list, h('li', { class: 'muted' }, 'The customer has not written yet.'));
    if (atBottom) list.scrollTop = list.scrollHeight;
    earlier.hidden = (messages[0]?.seq ?? 1) <= 1;
    waiting.hidden = waitingSince === null;
    if (waitingSince) replace(waiting, `customer waiting ${waitedFor(waitingSince)}`);
  };
  const offs = [session.on('conversation', render)];
  // The waiting time grows while nobody answers.
  const ticker = setInterval(render, 30_000);
  render();

  return {
    element: h(
      'section',
      { class: 'card conversation', 'data-testid': 'conversation' },
      h('div', { class: 'row spread' }, h('h2', {}, 'Conversation with the customer'), waiting),
      earlier,
      list,
      composer.element,
    ),
    dispose: () => {
      offs.forEach((off) => off());
      clearInterval(ticker);
      composer.dispose();
    },
  };
}
