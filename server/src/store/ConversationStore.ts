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
   * A message with an `externalId` already stored for the case stores nothing, and answers the
   * message stored the first time with `duplicate`.
   */
  append(message: NewMessage, team: string, events: readonly NewCaseEvent[]): Promise<{ message: Message; duplicate: boolean }>;
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
