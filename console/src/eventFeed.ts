/**
 * The case's event feed, read from the hub's public event log (GET /api/cases/:id/events) and
 * fetched again, from the last seq seen, whenever something in the case changes. Each line names
 * people by name (the ids in an event's data through the team's directory); an event without an
 * actor is the hub's own doing and reads as such. A person who leaves and comes back within a few
 * seconds (a page reload, a quick look elsewhere) is shown once, not as a left/joined pair.
 * Events the hub's retention policy removed are not there to show: the feed says so in one line
 * and goes on from the oldest kept.
 */
import { CaseroomError, type CaseEvent } from '@caseroom/client';
import type { HubApi } from './api.js';
import { h, timeElement } from './dom.js';
import { formatMoney } from './money.js';
import { attempt } from './notices.js';
import type { People } from './people.js';

/** Leaving and joining again within this long is reload noise, not news. */
const rejoinWindowMs = 10_000;

const phrases: Record<string, string> = {
  'case.created': 'created the case',
  'member.joined': 'joined',
  'member.left': 'left',
  'owner.claimed': 'claimed the case',
  'owner.handoff_declined': 'declined the handoff',
  'owner.released': 'released the case',
  'approval.requested': 'asked for approval',
  'approval.approved': 'approved the request',
  'approval.rejected': 'rejected the request',
  'approval.cancelled': 'cancelled an approval request',
  'approval.reviewed': 'reviewed an approval',
  'notes.changed': 'edited the notes',
  'step.added': 'added a step',
  'step.completed': 'completed a step',
  'step.removed': 'removed a step',
  'fact.recorded': 'recorded a fact',
  'document.repaired': 'repaired the case document',
  'message.received': 'brought in a customer message',
  'message.sent': 'wrote to the customer',
  'message.delivered': 'delivered a reply',
  'message.failed': 'could not deliver a reply',
  'message.corrected': 'corrected a message',
  'message.redacted': 'redacted a message',
  'floor.given': 'gave the floor',
  'floor.taken': 'took the floor back',
};

/** What the hub did by itself, said without an actor. */
const hubPhrases: Record<string, string> = {
  'approval.expired': 'An approval request expired',
  'step.overdue': 'A step fell due',
};

type Part = Node | string;

const isText = (value: unknown): value is string | number => typeof value === 'string' || typeof value === 'number';

/** "Ann", "Ann and Bob", "Ann, Bob and Sid". */
function listed(parts: Part[]): Part[] {
  return parts.flatMap((part, i) => (i === 0 ? [part] : [i === parts.length - 1 ? ' and ' : ', ', part]));
}

export class EventFeed {
  readonly element: HTMLElement;
  private readonly list: HTMLOListElement;
  private after = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private loading: Promise<void> | null = null;
  /** user id -> the line saying they left, while a return would still be reload noise */
  private readonly lastLeft = new Map<string, { item: HTMLLIElement; at: number }>();
  private readonly offPeople: () => void;

  constructor(
    private readonly api: HubApi,
    private readonly caseId: string,
    private readonly people: People,
  ) {
    // Focusable, so that a keyboard can scroll the feed.
    this.list = h('ol', {
      class: 'plain feed',
      reversed: true,
      tabindex: 0,
      'aria-label': 'Events',
      'data-testid': 'event-feed',
      'data-last-seq': 0,
    });
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
    this.offPeople = people.onChange(() => people.refreshNames(this.list));
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
        const page = await this.nextPage();
        this.people.learn(
          page.events.flatMap((event) => (event.actor ? [event.actor] : [])),
          { onlyNew: true },
        );
        for (const event of page.events) this.add(event);
        this.after = page.events.at(-1)?.seq ?? this.after;
        if (page.nextAfter === null) break;
      }
      this.list.dataset.lastSeq = String(this.after);
    }).then(() => {
      this.loading = null;
    });
    return this.loading;
  }

  /** The events after `after`; from the oldest kept, with a line saying so, when earlier ones were removed. */
  private async nextPage(): Promise<{ events: CaseEvent[]; nextAfter: number | null }> {
    try {
      return await this.api.events(this.caseId, this.after);
    } catch (err) {
      const oldest = err instanceof CaseroomError && err.code === 'cursor_expired' ? err.details?.oldest : undefined;
      if (typeof oldest !== 'number') throw err;
      this.after = oldest;
      this.list.prepend(
        h('li', { class: 'muted', 'data-testid': 'events-trimmed' }, 'Earlier events were removed by the retention policy.'),
      );
      return this.api.events(this.caseId, this.after);
    }
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.offPeople();
  }

  private add(event: CaseEvent): void {
    const at = Date.parse(event.at);
    const who = event.actor?.userId ?? (typeof event.data.userId === 'string' ? event.data.userId : null);
    if (event.type === 'member.joined' && who !== null) {
      const left = this.lastLeft.get(who);
      this.lastLeft.delete(who);
      // Back within seconds: the earlier line saying they joined still holds.
      if (left && at - left.at <= rejoinWindowMs) return void left.item.remove();
    }
    const item = this.item(event);
    if (event.type === 'member.left' && who !== null) this.lastLeft.set(who, { item, at });
    this.list.prepend(item);
  }

  private item(event: CaseEvent): HTMLLIElement {
    const [sentence, detail] = this.describe(event);
    return h(
      'li',
      { 'data-testid': 'event', 'data-type': event.type, 'data-seq': event.seq },
      timeElement(event.at),
      ' ',
      h('span', { 'data-testid': 'event-text' }, ...sentence),
      detail.length ? h('span', { class: 'muted' }, ' — ', ...detail) : null,
    );
  }

  /** A person named by a user id of the event's data. */
  private person(userId: unknown): Part {
    return typeof userId === 'string' ? h('strong', {}, this.people.nameElement(userId)) : 'someone';
  }

  /** The event as a sentence (who did what) and a detail (what it was about). */
  private describe(event: CaseEvent): [Part[], Part[]] {
    const { data } = event;
    const actor: Part | null = event.actor ? h('strong', {}, event.actor.name) : null;
    const did = (phrase: string, ...rest: Part[]): Part[] =>
      actor ? [actor, ` ${phrase}`, ...rest] : [hubPhrases[event.type] ?? `The hub: ${phrase}`, ...rest];
    switch (event.type) {
      case 'member.joined':
      case 'member.left':
        // Before the hub named who left, member.left had no actor: the person is in the data.
        return [[actor ?? this.person(data.userId), ` ${phrases[event.type]}`], []];
      case 'case.status_changed':
        return [did(data.to === 'resolved' ? 'resolved the case' : 'reopened the case'), []];
      case 'owner.handoff_offered': {
        // The offer names whom; older events had the owner in `to`.
        const offered = (data.offer as { to?: { userId?: unknown } } | null)?.to?.userId ?? data.to;
        return [did('offered the case to ', this.person(offered)), []];
      }
      case 'owner.handoff_accepted':
        return [did('took the case over', ...(data.from ? [' from ', this.person(data.from)] : [])), []];
      case 'owner.reassigned':
        return [did('reassigned the case to ', this.person(data.to)), []];
      case 'notes.changed': {
        const editors = Array.isArray(data.editors) ? (data.editors as unknown[]) : [];
        const named = editors.map((e) =>
          typeof e === 'object' && e !== null && 'name' in e ? h('strong', {}, String(e.name)) : this.person(e),
        );
        const detail = isText(data.excerpt) && data.excerpt !== '' ? [`“${data.excerpt}”`] : [];
        return [named.length > 1 || !actor ? [...listed(named), ' edited the notes'] : did('edited the notes'), detail];
      }
      case 'step.added':
      case 'step.completed':
      case 'step.overdue': {
        const detail: Part[] = isText(data.text) ? [String(data.text)] : [];
        if (typeof data.assignee === 'string') detail.push(' · for ', this.person(data.assignee));
        return [did(phrases[event.type] ?? ''), detail];
      }
      case 'fact.recorded':
        return [did(phrases[event.type]!), [`${String(data.question)}: ${String(data.answer)}`]];
      case 'floor.given':
        return [did('gave the floor to ', this.person((data.to as { userId?: unknown } | null)?.userId)), []];
      case 'floor.taken':
        return [did('took the floor back', ...(data.from ? [' from ', this.person((data.from as { userId?: unknown }).userId)] : [])), []];
    }
    if (event.type.startsWith('approval.')) {
      const amount =
        typeof data.amount === 'number' ? formatMoney(data.amount, isText(data.currency) ? String(data.currency) : null) : null;
      const detail = [data.kind, amount, data.summary].filter((v): v is string => typeof v === 'string' && v !== '').join(' · ');
      return [did(phrases[event.type] ?? event.type), detail ? [detail] : []];
    }
    // A message's kind says little: which message, on which channel, and why a delivery failed say more.
    if (event.type.startsWith('message.')) {
      const detail = [`message ${String(data.seq)}`, data.channel, data.reason]
        .filter((v) => typeof v === 'string' && v !== '')
        .join(' · ');
      return [did(phrases[event.type] ?? event.type), [detail]];
    }
    return [did(phrases[event.type] ?? event.type), []];
  }
}
