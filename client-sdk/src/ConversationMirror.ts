/**
 * The conversation of a case as a session knows it: the thread with the customer, the floor, who
 * is writing a reply, and since when the customer waits. The hub numbers every message (`seq`);
 * from two hub nodes they may arrive out of order, so the mirror keeps the thread contiguous: a
 * message beyond the next one is held until the ones before it arrive, and `gap` says which
 * messages to ask `conversation:history` for. No socket and no timer: whoever feeds it asks.
 */
import {
  openFloor,
  readThread,
  waitingSinceOf,
  type Composing,
  type ConversationState,
  type Delivery,
  type DeliveryStatus,
  type Floor,
  type Message,
} from '@caseroom/shared';

/** The conversation of a case, as `session.conversation` shows it. */
export interface Conversation {
  /**
   * The thread as people read it, oldest first, with no gap: corrections shown in the messages
   * they correct, redacted messages emptied; correcting and redacting entries stay in place.
   * The newest messages (50 on joining); `session.history({ before })` brings earlier ones.
   */
  readonly messages: readonly Message[];
  /** the seq of the newest message in `messages` (0: none yet) */
  readonly lastSeq: number;
  /** who besides the owner may write to the customer */
  readonly floor: Floor;
  /** who is writing a reply right now (marks drop when their `until` passes) */
  readonly composing: readonly Composing[];
  /** since when the customer waits for an answer: their oldest message not yet answered (null: nobody waits) */
  readonly waitingSince: string | null;
}

/** What changed in the conversation. */
export type ConversationChange =
  /** the whole conversation arrived with a join (or a rejoin) */
  | { kind: 'joined' }
  | { kind: 'message'; message: Message }
  | { kind: 'delivery'; seq: number; delivery: Delivery }
  | { kind: 'composing'; composing: Composing }
  | { kind: 'floor'; floor: Floor }
  /** earlier messages joined the front of the thread */
  | { kind: 'history'; messages: Message[] };

export interface ConversationMirrorEvents {
  /** a new message joined the thread (each once, in seq order), as people read it */
  message: [message: Message];
  /** anything in the conversation changed: a message, a delivery report, the floor, who is writing */
  conversation: [conversation: Conversation, change: ConversationChange];
}

export type AnnounceConversation = <E extends keyof ConversationMirrorEvents>(event: E, ...args: ConversationMirrorEvents[E]) => void;

const statusRank: Record<DeliveryStatus, number> = { pending: 0, failed: 1, delivered: 2 };

/** The newer of two delivery reports of one message (delivered is final). */
export function laterDelivery(a: Delivery | null, b: Delivery | null): Delivery | null {
  if (a === null || b === null) return a ?? b;
  if (a.at !== b.at) return a.at > b.at ? a : b;
  return statusRank[a.status] >= statusRank[b.status] ? a : b;
}

/** One message heard twice (live, then from a history page): the newest facts about it. */
function merged(known: Message, heard: Message): Message {
  const message = known.redacted && !heard.redacted ? known : heard;
  const delivery = laterDelivery(known.delivery, heard.delivery);
  return message.delivery === delivery ? message : { ...message, delivery };
}

export class ConversationMirror {
  /** contiguous messages, oldest first, as the hub sent them */
  private thread: Message[] = [];
  /** the seq of the newest message of `thread` */
  private last = 0;
  /** the newest seq the hub has spoken of: beyond `last`, the thread lacks messages */
  private known = 0;
  private hasJoined = false;
  /** messages beyond the next one, until the ones before them arrive */
  private readonly held = new Map<number, Message>();
  /** delivery reports about messages that have not arrived yet */
  private readonly reports = new Map<number, Delivery>();
  private currentFloor: Floor = openFloor;
  /** composing marks by user id */
  private readonly marks = new Map<string, Composing>();
  private waiting: string | null = null;
  private view: Conversation | null = null;

  constructor(private readonly announce: AnnounceConversation) {}

  get conversation(): Conversation {
    this.view ??= {
      messages: readThread(this.thread),
      lastSeq: this.last,
      floor: this.currentFloor,
      composing: [...this.marks.values()],
      waitingSince: this.waiting,
    };
    return this.view;
  }

  /** The seq after which the thread lacks messages the hub has (ask history after it), or null when it lacks none. */
  get gap(): number | null {
    return this.hasJoined && this.known > this.last ? this.last : null;
  }

  /** When the first composing mark lapses (ms since the epoch), or null when nobody is writing. */
  get nextLapse(): number | null {
    let first: number | null = null;
    for (const mark of this.marks.values()) {
      const until = mark.until === null ? 0 : Date.parse(mark.until);
      if (first === null || until < first) first = until;
    }
    return first;
  }

  /**
   * What a join brings: the newest messages, the floor, who is writing. On a rejoin, what the
   * thread lacks since the last message it had is new, and announced as such.
   */
  joined(state: ConversationState, waitingSince: string | null): void {
    const newest = [...state.messages].sort((a, b) => a.seq - b.seq);
    if (this.hasJoined) {
      for (const message of newest) this.heard(message);
    } else {
      this.hasJoined = true;
      this.thread = newest.map((m) => this.withReport(m));
      this.last = newest.at(-1)?.seq ?? 0;
      this.waiting = waitingAtJoin(newest, waitingSince);
    }
    this.known = Math.max(this.known, state.lastSeq, this.last);
    this.currentFloor = state.floor;
    this.marks.clear();
    for (const mark of state.composing) if (mark.composing) this.marks.set(mark.person.userId, mark);
    const added = this.release();
    this.changed({ kind: 'joined' });
    this.announceAdded(added);
  }

  /** A message the hub announced, or answered a request with. */
  messageArrived(message: Message): void {
    this.heard(message);
    this.announceAdded(this.release());
  }

  /** A page of `conversation:history`: earlier messages join the front, later ones fill a gap. */
  historyArrived(page: { messages: readonly Message[]; lastSeq: number }): void {
    this.known = Math.max(this.known, page.lastSeq);
    const sorted = [...page.messages].sort((a, b) => a.seq - b.seq);
    for (const message of sorted) if (message.seq >= this.oldest) this.heard(message);
    // Earlier messages are taken only as far as they reach the thread without a gap.
    const earlier: Message[] = [];
    for (const message of sorted.filter((m) => m.seq < this.oldest).reverse()) {
      if (message.seq !== this.oldest - earlier.length - 1) break;
      earlier.unshift(message);
    }
    if (earlier.length > 0) {
      this.thread = [...earlier, ...this.thread];
      this.changed({ kind: 'history', messages: earlier });
    }
    this.announceAdded(this.release());
  }

  /** The channel connector reported on delivering a reply. */
  deliveryArrived(seq: number, delivery: Delivery): void {
    const held = this.held.get(seq);
    if (held) {
      this.held.set(seq, { ...held, delivery: laterDelivery(held.delivery, delivery) });
      return;
    }
    if (seq > this.last) {
      this.reports.set(seq, laterDelivery(this.reports.get(seq) ?? null, delivery)!);
      return;
    }
    const index = seq - this.oldest;
    const message = this.thread[index];
    if (!message) return;
    const later = laterDelivery(message.delivery, delivery);
    if (later === message.delivery) return;
    this.thread[index] = { ...message, delivery: later };
    this.changed({ kind: 'delivery', seq, delivery });
  }

  /** Someone started or stopped writing a reply. */
  composingArrived(mark: Composing): void {
    if (mark.composing && mark.until !== null) this.marks.set(mark.person.userId, mark);
    else if (!this.marks.delete(mark.person.userId)) return;
    this.changed({ kind: 'composing', composing: mark });
  }

  /** Drops the composing marks whose time has passed at `now` (ms since the epoch), as if their writers said they stopped. */
  lapseComposing(now: number): void {
    for (const [userId, mark] of [...this.marks]) {
      if (mark.until !== null && Date.parse(mark.until) > now) continue;
      this.marks.delete(userId);
      this.changed({ kind: 'composing', composing: { person: mark.person, composing: false, until: null } });
    }
  }

  floorChanged(floor: Floor): void {
    this.currentFloor = floor;
    this.changed({ kind: 'floor', floor });
  }

  /** The seq of the thread's first message (one past the last when it is empty). */
  private get oldest(): number {
    return this.thread[0]?.seq ?? this.last + 1;
  }

  /** Takes in a message: refreshed if the thread has it, held if it comes after the thread (and before any join). */
  private heard(message: Message): void {
    const { seq } = message;
    if (seq > this.last || !this.hasJoined) {
      const held = this.held.get(seq);
      this.held.set(seq, held ? merged(held, message) : message);
      this.known = Math.max(this.known, seq);
      return;
    }
    const index = seq - this.oldest;
    const known = this.thread[index];
    if (!known) return;
    const fresher = merged(known, message);
    if (fresher === known) return;
    this.thread[index] = fresher;
    this.view = null;
  }

  /** Moves the held messages that follow the thread into it, in seq order; answers them. */
  private release(): Message[] {
    const added: Message[] = [];
    for (const seq of [...this.held.keys()]) if (seq <= this.last) this.held.delete(seq);
    for (let next = this.held.get(this.last + 1); next; next = this.held.get(this.last + 1)) {
      this.held.delete(next.seq);
      const message = this.withReport(next);
      this.thread.push(message);
      this.last = message.seq;
      this.waiting = waitingSinceAfter(this.waiting, message);
      added.push(message);
    }
    return added;
  }

  private withReport(message: Message): Message {
    const report = this.reports.get(message.seq);
    if (!report) return message;
    this.reports.delete(message.seq);
    return { ...message, delivery: laterDelivery(message.delivery, report) };
  }

  /** Announces each added message as people read it (a redaction may already have come with it). */
  private announceAdded(added: readonly Message[]): void {
    if (added.length === 0) return;
    this.view = null;
    const { messages } = this.conversation;
    const first = this.oldest;
    for (const { seq } of added) {
      const message = messages[seq - first]!;
      this.announce('message', message);
      this.announce('conversation', this.conversation, { kind: 'message', message });
    }
  }

  private changed(change: ConversationChange): void {
    this.view = null;
    this.announce('conversation', this.conversation, change);
  }
}

/** The wait as one more message leaves it: an inbound message starts it, an answer ends it, amendments change nothing. */
function waitingSinceAfter(waiting: string | null, message: Message): string | null {
  if (message.kind !== 'message') return waiting;
  return message.direction === 'out' ? null : (waiting ?? message.at);
}

/**
 * The wait on joining. The newest messages tell it exactly when they hold an answer or the whole
 * thread; else the customer may have waited since before them, which the case record says.
 */
function waitingAtJoin(newest: readonly Message[], recorded: string | null): string | null {
  const answered = newest.some((m) => m.kind === 'message' && m.direction === 'out');
  const whole = newest.length === 0 || newest[0]!.seq === 1;
  const fromMessages = waitingSinceOf(newest);
  return answered || whole ? fromMessages : (recorded ?? fromMessages);
}
