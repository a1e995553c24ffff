/**
 * The conversation plane: what the customer said and was told, on any channel, as one thread per
 * case. Channel connectors bring messages in and deliver replies; the owner, and whoever holds the
 * floor, reply. Every message is stored (numbered, with its event, moving the case's waiting
 * time) before it is announced; the rules of who may speak live in voice.ts.
 */
import {
  assertMayRead,
  CaseroomError,
  isChannel,
  type CaseRecord,
  type Channel,
  type Composing,
  type ConversationState,
  type Floor,
  type Identity,
  type Message,
  type Ownership,
  type PostRequest,
  type SendRequest,
} from '@caseroom/shared';
import type { CaseDirectory } from '../cases/CaseDirectory.js';
import type { DomainChanges } from '../DomainChanges.js';
import { caseEvent } from '../events/EventLog.js';
import type { Logger } from '../logger.js';
import type { CaseOwners } from '../people/CaseOwners.js';
import type { Presence } from '../people/Presence.js';
import { idempotencyKey, type CaseStore, type MessageRange, type NewMessage, type SpeakingRight } from '../store/CaseStore.js';
import {
  assertConnectorOf,
  assertMayCorrect,
  assertMayGiveFloor,
  assertMayRedact,
  assertMaySpeak,
  assertMayTakeFloor,
  floorInForce,
  nextDelivery,
  speakerOf,
} from './voice.js';

/** How many of the newest messages a joining client gets; earlier ones come by `history`. */
const joinedMessages = 50;
/** Compare-and-set retries of a delivery report racing another one. */
const maxAttempts = 10;

export interface CaseConversationsOptions {
  store: Pick<CaseStore, 'conversation' | 'people'>;
  cases: CaseDirectory;
  owners: CaseOwners;
  /** who is in each case room, on every node */
  presence: Presence;
  changes: DomainChanges;
  log: Logger;
  /** how long "writing a reply" holds after its last renewal */
  composingMs: number;
}

export type SendInput = Omit<SendRequest, 'caseId'>;
export type PostInput = Omit<PostRequest, 'caseId'>;

/** What a message event tells bots: the message, without what the store and the hub add. */
function eventData(message: NewMessage): Record<string, unknown> {
  const { caseId: _case, redacted: _redacted, delivery: _delivery, ...data } = message;
  return data;
}

export class CaseConversations {
  constructor(private readonly options: CaseConversationsOptions) {
    // A new owner starts alone: the room hears that a floor given under the old one has ended.
    options.changes.on('owner', ({ caseId, update }) => {
      void this.options.store.conversation.floor(caseId).then(
        (stored) => {
          if (stored && stored.epoch !== update.ownership.epoch) this.announceFloor(caseId, floorInForce(stored, update.ownership));
        },
        (err: unknown) => this.options.log.warn({ err, caseId }, 'could not read the floor after an ownership change'),
      );
    });
  }

  /**
   * What a client joining the room learns: the newest messages, the floor, who is writing.
   * `ownership` is the case's, when the caller reads it anyway (the floor depends on it).
   */
  async state(caseId: string, ownership: Promise<Ownership> = this.options.owners.current(caseId)): Promise<ConversationState> {
    const { conversation } = this.options.store;
    const [messages, stored, owned, composing] = await Promise.all([
      conversation.list(caseId, { limit: joinedMessages }),
      conversation.floor(caseId),
      ownership,
      conversation.composing(caseId, Date.now()),
    ]);
    // The newest messages end with the newest of all: seqs have no holes.
    return { messages, lastSeq: messages.at(-1)?.seq ?? 0, floor: floorInForce(stored, owned), composing };
  }

  /** A page of the thread (the caller may read the case). */
  async history(caseId: string, range: MessageRange): Promise<{ messages: Message[]; lastSeq: number }> {
    const { conversation } = this.options.store;
    const [messages, lastSeq] = await Promise.all([conversation.list(caseId, range), conversation.lastSeq(caseId)]);
    return { messages, lastSeq };
  }

  async floor(caseId: string): Promise<Floor> {
    const [stored, ownership] = await Promise.all([this.options.store.conversation.floor(caseId), this.options.owners.current(caseId)]);
    return floorInForce(stored, ownership);
  }

  /** A reply to the customer, from the owner or the floor's holder. */
  async send(caseId: string, who: Identity, input: SendInput): Promise<Message> {
    assertMayRead(who, 'conversation');
    const record = await this.options.cases.open(caseId, who);
    const { conversation } = this.options.store;
    let where: { channel: Channel; recipient: Message | null } | null = null;
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const right = await this.speakingRight(caseId, who);
      // Where it goes is worked out once the sender may speak at all.
      if (!where) {
        const channel = input.channel ?? (await this.customersChannel(record));
        where = { channel, recipient: await conversation.lastInbound(caseId, channel) };
      }
      const { channel, recipient } = where;
      const marks = await conversation.composing(caseId, Date.now());
      if (!input.confirm) assertNobodyElseReplying(marks, who, right.speakers);
      const at = new Date().toISOString();
      const message: NewMessage = {
        caseId,
        at,
        kind: 'message',
        direction: 'out',
        channel,
        body: input.body,
        author: speakerOf(who),
        attachments: input.attachments ?? [],
        externalId: null,
        customer: recipient?.customer ?? null,
        sentAt: null,
        replaces: null,
        redacted: false,
        delivery: { status: 'pending', reason: null, at },
      };
      const key = idempotencyKey(message, input.clientMessageId);
      const sent = await this.store(record, message, 'message.sent', who, { key, right });
      if (!sent) continue;
      // The reply is out: this person is no longer writing one.
      if (marks.some((m) => m.person.userId === who.userId)) await this.mark(caseId, who, null).catch(() => undefined);
      return sent;
    }
    throw new CaseroomError('internal_error', 'Who may speak kept changing; try again');
  }

  /** An inbound message from a channel connector; a repeated external id stores nothing new. */
  async post(caseId: string, who: Identity, input: PostInput): Promise<{ message: Message; duplicate: boolean }> {
    assertMayRead(who, 'conversation');
    assertConnectorOf(who, input.channel);
    const record = await this.options.cases.open(caseId, who);
    const message: NewMessage = {
      caseId,
      at: new Date().toISOString(),
      kind: 'message',
      direction: 'in',
      channel: input.channel,
      body: input.body,
      author: speakerOf(who),
      attachments: input.attachments ?? [],
      externalId: input.externalId,
      customer: input.customer ?? null,
      sentAt: input.sentAt === undefined ? null : new Date(input.sentAt).toISOString(),
      replaces: null,
      redacted: false,
      delivery: null,
    };
    const events = [caseEvent(record, 'message.received', who, eventData(message))];
    const stored = (await this.options.store.conversation.append(message, record.team, events, { key: idempotencyKey(message) }))!;
    // A repeat is announced again too: the first time may have been stored and never relayed (a
    // node that died in between); clients keep one copy per seq.
    this.stored(stored.message, who);
    return stored;
  }

  /** A connector's report on delivering a reply. */
  async report(caseId: string, who: Identity, seq: number, status: 'delivered' | 'failed', reason: string | null): Promise<Message> {
    assertMayRead(who, 'conversation');
    const record = await this.options.cases.open(caseId, who);
    const { conversation } = this.options.store;
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const message = await this.message(caseId, seq);
      assertConnectorOf(who, message.channel);
      const step = nextDelivery(message, { status, reason }, new Date().toISOString());
      if (step === 'unchanged') return message;
      const data = { seq, channel: message.channel, status, reason };
      const event = caseEvent(record, status === 'delivered' ? 'message.delivered' : 'message.failed', who, data);
      const reported = await conversation.report(caseId, seq, step.from, step.to, [event]);
      if (reported) {
        this.options.log.info({ caseId, userId: who.userId, seq, status }, 'delivery reported');
        this.options.changes.announce({ kind: 'delivery', caseId, seq, delivery: step.to });
        return reported;
      }
    }
    throw new CaseroomError('internal_error', 'The delivery kept changing; try again');
  }

  /** A corrected text of an earlier message, as a new entry pointing at it. */
  async correct(caseId: string, who: Identity, seq: number, body: string): Promise<Message> {
    assertMayRead(who, 'conversation');
    const record = await this.options.cases.open(caseId, who);
    const original = await this.message(caseId, seq);
    assertMayCorrect(who, original);
    const outbound = original.direction === 'out';
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      // A corrected reply reaches the customer again, so it takes the voice a reply takes.
      const right = outbound ? await this.speakingRight(caseId, who) : undefined;
      const at = new Date().toISOString();
      const correction: NewMessage = {
        ...this.amendment(original, who, at),
        kind: 'correction',
        body,
        customer: outbound ? original.customer : null,
        delivery: outbound ? { status: 'pending', reason: null, at } : null,
      };
      const stored = await this.store(record, correction, 'message.corrected', who, right ? { right } : {});
      if (stored) return stored;
    }
    throw new CaseroomError('internal_error', 'Who may speak kept changing; try again');
  }

  /** Hides an earlier message from every reader, as a new entry giving the reason. */
  async redact(caseId: string, who: Identity, seq: number, reason: string): Promise<Message> {
    assertMayRead(who, 'conversation');
    const record = await this.options.cases.open(caseId, who);
    const original = await this.message(caseId, seq);
    assertMayRedact(who, original, await this.options.owners.current(caseId));
    const at = new Date().toISOString();
    const redaction: NewMessage = { ...this.amendment(original, who, at), kind: 'redaction', body: reason, delivery: null };
    return (await this.store(record, redaction, 'message.redacted', who))!;
  }

  /** `who` started (or stopped) writing a reply; the room hears it. Answers until when the mark holds. */
  async compose(caseId: string, who: Identity, composing: boolean): Promise<string | null> {
    if (composing) await this.speakingRight(caseId, who);
    // Stopping what was never started tells the room nothing.
    else if (!(await this.options.store.conversation.composing(caseId, Date.now())).some((m) => m.person.userId === who.userId))
      return null;
    return this.mark(caseId, who, composing ? Date.now() + this.options.composingMs : null);
  }

  /** Stores `who`'s composing mark until `until` (ms), or clears it (null), and tells the room; answers until when it holds. */
  private async mark(caseId: string, who: Identity, until: number | null): Promise<string | null> {
    const speaker = speakerOf(who);
    await this.options.store.conversation.compose(caseId, speaker, until);
    const mark: Composing = { person: speaker, composing: until !== null, until: until === null ? null : new Date(until).toISOString() };
    this.options.changes.announce({ kind: 'composing', caseId, composing: mark });
    return mark.until;
  }

  /** The owner (or a supervisor) lets someone in the room write to the customer too. */
  async giveFloor(caseId: string, who: Identity, userId: string): Promise<Floor> {
    const record = await this.options.cases.open(caseId, who);
    const ownership = await this.options.owners.current(caseId);
    assertMayGiveFloor(who, ownership);
    if (ownership.owner === null) throw new CaseroomError('not_owner', 'Nobody owns this case: there is no floor to give');
    if (ownership.owner.userId === userId)
      throw new CaseroomError('invalid_payload', 'The owner always has the floor', { field: 'userId' });
    const members = await this.options.presence.members(caseId);
    if (!members.some((m) => m.userId === userId && m.connections > 0))
      throw new CaseroomError('not_in_room', `${userId} is not in the case room`);
    const person = await this.options.store.people.get(userId);
    if (!person) throw new CaseroomError('unknown_user', `No person with id ${userId} has signed in to caseroom`);
    if (person.role === 'bot') throw new CaseroomError('forbidden', 'Bots do not write to customers');
    const holder = speakerOf(person);
    const since = new Date().toISOString();
    const event = caseEvent(record, 'floor.given', who, { to: holder, epoch: ownership.epoch });
    await this.options.store.conversation.setFloor(caseId, { holder, givenBy: who.userId, since, epoch: ownership.epoch }, [event]);
    const floor: Floor = { holder, givenBy: who.userId, since };
    this.options.log.info({ caseId, userId: who.userId, to: userId }, 'floor given');
    this.announceFloor(caseId, floor);
    return floor;
  }

  /** The floor returns to the owner alone: taken back by the owner or a supervisor, or handed back by its holder. */
  async takeFloor(caseId: string, who: Identity): Promise<Floor> {
    const record = await this.options.cases.open(caseId, who);
    const [ownership, stored] = await Promise.all([this.options.owners.current(caseId), this.options.store.conversation.floor(caseId)]);
    const floor = floorInForce(stored, ownership);
    assertMayTakeFloor(who, ownership, floor);
    if (floor.holder === null) return floor;
    const event = caseEvent(record, 'floor.taken', who, { from: floor.holder, epoch: ownership.epoch });
    await this.options.store.conversation.setFloor(caseId, null, [event]);
    const open = floorInForce(null, ownership);
    this.options.log.info({ caseId, userId: who.userId }, 'floor taken back');
    this.announceFloor(caseId, open);
    return open;
  }

  /** Everything an amending entry shares with the message it amends. */
  private amendment(original: Message, who: Identity, at: string): Omit<NewMessage, 'kind' | 'body' | 'delivery'> {
    return {
      caseId: original.caseId,
      at,
      direction: original.direction,
      channel: original.channel,
      author: speakerOf(who),
      attachments: [],
      externalId: null,
      customer: null,
      sentAt: null,
      replaces: original.seq,
      redacted: false,
    };
  }

  /** Stores a message with its event and announces it; null when the speaking right moved meanwhile. */
  private async store(
    record: CaseRecord,
    message: NewMessage,
    type: 'message.sent' | 'message.corrected' | 'message.redacted',
    who: Identity,
    options: { key?: string | null; right?: SpeakingRight } = {},
  ): Promise<Message | null> {
    const events = [caseEvent(record, type, who, eventData(message))];
    const stored = await this.options.store.conversation.append(message, record.team, events, options);
    if (!stored) return null;
    this.stored(stored.message, who);
    return stored.message;
  }

  /**
   * Who may speak in the case now, throwing `not_your_floor` unless `who` is one of them; the
   * store checks the epoch and floor again as it writes (see SpeakingRight).
   */
  private async speakingRight(caseId: string, who: Identity): Promise<SpeakingRight & { speakers: Speakers }> {
    const [ownership, stored] = await Promise.all([this.options.owners.current(caseId), this.options.store.conversation.floor(caseId)]);
    const floor = floorInForce(stored, ownership);
    assertMaySpeak(who, ownership, floor);
    return {
      epoch: ownership.epoch,
      floor: stored,
      speakers: { owner: ownership.owner?.userId ?? null, holder: floor.holder?.userId ?? null },
    };
  }

  private stored(message: Message, who: Identity): void {
    const { caseId, seq, direction, kind, channel } = message;
    this.options.log.info({ caseId, userId: who.userId, seq, direction, kind, channel }, 'message stored');
    this.options.changes.announce({ kind: 'message', caseId, message });
  }

  private announceFloor(caseId: string, floor: Floor): void {
    this.options.changes.announce({ kind: 'floor', caseId, floor });
  }

  private async message(caseId: string, seq: number): Promise<Message> {
    const message = await this.options.store.conversation.get(caseId, seq);
    if (!message) throw new CaseroomError('unknown_message', `Case ${caseId} has no message ${seq}`);
    return message;
  }

  /** Where a reply goes when the sender names no channel: where the customer last wrote, or the case's own channel. */
  private async customersChannel(record: CaseRecord): Promise<Channel> {
    const last = await this.options.store.conversation.lastInbound(record.id);
    if (last) return last.channel;
    if (isChannel(record.customer?.channel)) return record.customer.channel;
    throw new CaseroomError('invalid_payload', 'The customer has not written yet: name the channel to reply on', { field: 'channel' });
  }
}

/** Who may write to the customer now (user ids). */
interface Speakers {
  owner: string | null;
  holder: string | null;
}

/**
 * Refuses a reply while someone else who may speak is writing one (`reply_in_progress`), so the
 * customer never gets two answers at once. The mark of someone who lost the floor holds nobody up.
 */
function assertNobodyElseReplying(marks: readonly Composing[], who: Identity, speakers: Speakers): void {
  const others = marks.filter(
    (c) => c.person.userId !== who.userId && (c.person.userId === speakers.owner || c.person.userId === speakers.holder),
  );
  if (others.length === 0) return;
  const names = others.map((c) => c.person.name).join(', ');
  throw new CaseroomError('reply_in_progress', `${names} is writing a reply; send with confirm to send anyway`, {
    details: { composing: others.map((c) => c.person) },
  });
}
