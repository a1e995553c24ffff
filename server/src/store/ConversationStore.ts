/**
 * The conversation of each case: messages appended in order, each numbered within its case in the
 * write that stores it, with its events; what connectors report about delivering replies; who
 * holds the floor; who is writing a reply. A message is never changed once stored: corrections and
 * redactions are new messages, and delivery reports are kept beside the message.
 */
import type { Channel, Composing, Delivery, DeliveryStatus, Message, Speaker } from '@caseroom/shared';
import type { NewCaseEvent } from './EventStore.js';

/** A message before the store numbers it. */
export type NewMessage = Omit<Message, 'seq'>;

/** The floor as stored: valid only while the case's ownership is still at `epoch`. */
export interface StoredFloor {
  holder: Speaker;
  givenBy: string;
  since: string;
  /** the ownership epoch it was given under: a new owner starts alone */
  epoch: number;
}

/**
 * What an append is decided on, checked again inside the write: the voice to the customer (the
 * ownership epoch and the stored floor the sender's right to speak was decided on), so a reply
 * racing a handoff or the floor being taken back is refused instead of stored.
 */
export interface SpeakingRight {
  /** the ownership epoch (0: never owned) */
  epoch: number;
  /** the stored floor as it was read, or null for none */
  floor: StoredFloor | null;
}

/** How an append names a message already stored: its channel's id (inbound) or its sender's own id (outbound). */
export function idempotencyKey(message: NewMessage, clientMessageId?: string): string | null {
  if (message.direction === 'in' && message.externalId !== null) return `in:${message.channel}:${message.externalId}`;
  if (message.direction === 'out' && clientMessageId !== undefined) return `out:${message.author.userId}:${clientMessageId}`;
  return null;
}

export interface MessageRange {
  /** only messages after this seq */
  after?: number | undefined;
  /** only messages before this seq (then the newest of them) */
  before?: number | undefined;
  limit: number;
}

export interface ConversationStore {
  /**
   * Appends `message` as its case's next seq, with its events (each event's `data` gets the
   * stored seq as `seq`), and moves the case's `waitingSince` as the message says (an inbound
   * message starts the wait if none is running, an outbound one ends it) — all in one write.
   * With a `key` already stored for the case it stores nothing, and answers the message stored
   * the first time with `duplicate`. With a `right`, it stores nothing and answers null when the
   * case's ownership epoch or floor is no longer the one given.
   */
  append(
    message: NewMessage,
    team: string,
    events: readonly NewCaseEvent[],
    options?: { key?: string | null; right?: SpeakingRight },
  ): Promise<{ message: Message; duplicate: boolean } | null>;
  get(caseId: string, seq: number): Promise<Message | null>;
  /** Messages in seq order: after a seq, or the newest before a seq (or of all). */
  list(caseId: string, range: MessageRange): Promise<Message[]>;
  /** The seq of the newest message (0: none). */
  lastSeq(caseId: string): Promise<number>;
  /** The newest inbound message (not an amendment), on any channel or on one: where the customer last wrote, and from where. */
  lastInbound(caseId: string, channel?: Channel): Promise<Message | null>;
  /**
   * Stores a delivery report for an outbound message only if its delivery status is still
   * `expected`, with its events. The message with the report, or null when it changed meanwhile.
   */
  report(
    caseId: string,
    seq: number,
    expected: DeliveryStatus,
    delivery: Delivery,
    events: readonly NewCaseEvent[],
  ): Promise<Message | null>;
  floor(caseId: string): Promise<StoredFloor | null>;
  /** Gives the floor (or takes it back, with null), with its events. */
  setFloor(caseId: string, floor: StoredFloor | null, events: readonly NewCaseEvent[]): Promise<void>;
  /** Marks `speaker` as writing a reply until `until` (ms since the epoch), or clears the mark (null). */
  compose(caseId: string, speaker: Speaker, until: number | null): Promise<void>;
  /** The marks of a case still running at `now` (ms). */
  composing(caseId: string, now: number): Promise<Composing[]>;
}
