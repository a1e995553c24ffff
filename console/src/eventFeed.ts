/**
 * The case's event feed, read from the hub's public event log (GET /api/cases/:id/events) and
 * fetched again, from the last seq seen, whenever something in the case changes.
 */
import type { CaseEvent } from '@caseroom/client';
import type { HubApi } from './api.js';
import { h, timeElement } from './dom.js';
import { attempt } from './notices.js';

const phrases: Record<string, string> = {
  'case.created': 'created the case',
  'case.status_changed': 'changed the status',
  'member.joined': 'joined',
  'member.left': 'left',
  'owner.claimed': 'claimed the case',
  'owner.handoff_offered': 'offered a handoff',
  'owner.handoff_accepted': 'accepted the handoff',
  'owner.handoff_declined': 'declined the handoff',
  'owner.reassigned': 'reassigned the case',
  'owner.released': 'released the case',
  'approval.requested': 'asked for approval',
  'approval.approved': 'approved the request',
  'approval.rejected': 'rejected the request',
  'approval.cancelled': 'cancelled an approval request',
  'approval.expired': 'approval request expired',
  'approval.reviewed': 'reviewed an approval',
  'notes.changed': 'edited the notes',
  'step.added': 'added a step',
  'step.completed': 'completed a step',
  'step.removed': 'removed a step',
  'step.overdue': 'found a step overdue',
  'fact.recorded': 'recorded a fact',
  'message.received': 'brought in a customer message',
  'message.sent': 'wrote to the customer',
  'message.delivered': 'delivered a reply',
  'message.failed': 'could not deliver a reply',
  'message.corrected': 'corrected a message',
  'message.redacted': 'redacted a message',
  'floor.given': 'gave the floor',
  'floor.taken': 'took the floor back',
};

/** A short line of the event's most telling data (strings and numbers only). */
function detail(event: CaseEvent): string {
  const data = event.data;
  if (event.type === 'fact.recorded') return `${String(data.question)}: ${String(data.answer)}`;
  if (event.type === 'case.status_changed') return `${String(data.from)} → ${String(data.to)}`;
  // A message's kind says little: which message, on which channel, and why a delivery failed say more.
  if (event.type.startsWith('message.'))
    return [`message ${String(data.seq)}`, data.channel, data.reason].filter((v) => typeof v === 'string' && v !== '').join(' · ');
  const keys = ['text', 'summary', 'kind', 'amount'];
  return keys
    .filter((k) => typeof data[k] === 'string' || typeof data[k] === 'number')
    .map((k) => String(data[k]))
    .join(' · ');
}

export class EventFeed {
  readonly element: HTMLElement;
  private readonly list: HTMLOListElement;
  private after = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private loading: Promise<void> | null = null;

  constructor(
    private readonly api: HubApi,
    private readonly caseId: string,
  ) {
    // Focusable, so that a keyboard can scroll the feed.
    this.list = h('ol', { class: 'plain feed', reversed: true, tabindex: 0, 'aria-label': 'Events', 'data-testid': 'event-feed' });
    this.element = h(
      'section',
      { class: 'card' },
      h(
        'div',
        { class: 'row spread' },
        h('h2', {}, 'Events'),
        h('button', { class: 'small', 'data-testid': 'events-refresh', onclick: () => void this.load() }, 'Refresh'),
      ),
      this.list,
    );
  }

  /** Fetches again after `delay` ms; calls within that window fold into one request. */
  refreshSoon(delay = 300): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.load(), delay);
  }

  async load(): Promise<void> {
    if (this.loading) return this.loading;
    this.loading = attempt(async () => {
      for (;;) {
        const page = await this.api.events(this.caseId, this.after);
        for (const event of page.events) this.list.prepend(this.item(event));
        this.after = page.events.at(-1)?.seq ?? this.after;
        if (page.nextAfter === null) break;
      }
    }).then(() => {
      this.loading = null;
    });
    return this.loading;
  }

  dispose(): void {
    clearTimeout(this.timer);
  }

  private item(event: CaseEvent): HTMLLIElement {
    return h(
      'li',
      { 'data-testid': 'event', 'data-type': event.type, 'data-seq': event.seq },
      timeElement(event.at),
      ' ',
      h('strong', {}, event.actor?.name ?? 'caseroom'),
      ' ',
      phrases[event.type] ?? event.type,
      detail(event) ? h('span', { class: 'muted' }, ` — ${detail(event)}`) : null,
    );
  }
}
