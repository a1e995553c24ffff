/**
 * The entry point for channel connectors (chat, email, SMS gateways): a bot whose token carries
 * the channels it serves in its `channels` claim. It brings in what customers write (`post`,
 * idempotent by the channel's own message id, since channels retry) and delivers the team's
 * replies: `onReply` follows the team feed's `message.sent` and `message.corrected` events on its
 * channels, hands each reply to the app, and reports the outcome to the room.
 */
import {
  CaseroomError,
  messageSchema,
  type Attachment,
  type CaseEvent,
  type Channel,
  type Counterpart,
  type ErrorCode,
  type Message,
} from '@caseroom/shared';
import { BotClient } from './BotClient.js';
import type { CaseClientOptions } from './CaseClient.js';
import type { EventSubscription } from './EventSubscription.js';
import { request } from './request.js';

export interface ChannelBotOptions extends CaseClientOptions {
  /** the channels this connector serves: those its token's `channels` claim carries */
  channels: Channel[];
}

/** What a customer wrote, as a channel connector brings it in. */
export interface InboundMessage {
  channel: Channel;
  body: string;
  /** the channel's own id of the message: posting it again stores nothing new */
  externalId: string;
  /** who wrote it: a name, an address to answer to */
  customer?: Counterpart;
  attachments?: Attachment[];
  /** when the customer sent it, as the channel says */
  sentAt?: string | Date;
}

/** A reply to deliver to the customer: an outbound message, or the corrected text of one (`kind: 'correction'`, `replaces`). */
export type Reply = Omit<Message, 'redacted' | 'delivery'>;

/**
 * Delivers one reply. Resolving reports it `delivered`; throwing reports it `failed`, with the
 * error's message as the reason. `cursor` is where the feed stands after this reply.
 */
export type ReplyHandler = (reply: Reply, cursor: string) => void | Promise<void>;

export interface ReplyOptions {
  /** resume after this cursor (a stored `cursor`); absent: replies from now on */
  after?: string;
  /** case ids, or every case of the team (the default) */
  cases?: 'team' | string[];
}

/**
 * The message an event's data describes: the hub records a message's fields, with its seq, in its
 * events. Fields a newer hub adds are left out.
 */
const replyDataSchema = messageSchema.omit({ caseId: true, redacted: true, delivery: true }).strip();

/** Refusals of a report that pass: the reply comes again and the report is retried (the handler is not called twice). */
const passing = new Set<ErrorCode>(['not_connected', 'token_expired', 'rate_limited', 'internal_error']);

const maxReason = 500;

export class ChannelBot extends BotClient {
  /** The channels this connector serves. */
  readonly channels: readonly Channel[];

  constructor(options: ChannelBotOptions) {
    const { channels, ...client } = options;
    super(client);
    this.channels = channels;
  }

  /**
   * Brings in what a customer wrote, as the case's next message. Posting the same `externalId`
   * again stores nothing and answers the message stored the first time (`duplicate: true`), so a
   * retry is always safe. Rejects with `not_your_channel`, `unknown_case`, `invalid_payload`, ...
   */
  async post(caseId: string, message: InboundMessage): Promise<{ message: Message; duplicate: boolean }> {
    const { sentAt, ...rest } = message;
    const { ok: _ok, ...answer } = await request(
      this.socket,
      'conversation:post',
      { caseId, ...rest, ...(sentAt === undefined ? {} : { sentAt: new Date(sentAt).toISOString() }) },
      this.refresh,
    );
    return answer;
  }

  /**
   * Reports on delivering a reply: `delivered`, or `failed` with the channel's reason; everyone in
   * the room sees it. Rejects with `already_delivered`, `unknown_message`, `not_your_channel`, ...
   */
  async report(caseId: string, seq: number, status: 'delivered' | 'failed', reason?: string): Promise<Message> {
    const payload = status === 'failed' ? { caseId, seq, status, reason: reasonText(reason) } : { caseId, seq, status };
    return (await request(this.socket, 'conversation:delivery', payload, this.refresh)).message;
  }

  /**
   * Calls `handler` with each reply the team sends on this connector's channels, one at a time,
   * and reports its outcome: `delivered` when the handler resolves, `failed` (with the error's
   * message) when it throws. Store `subscription.cursor` (or the handler's `cursor`) and pass it
   * back as `after` to resume after a restart: a reply is then handed over at least once, so
   * deliver idempotently by `caseId` and `seq`.
   */
  onReply(handler: ReplyHandler, options: ReplyOptions = {}): EventSubscription {
    // Outcomes the hub has not heard yet: a reply that comes again is reported, not delivered twice.
    const unreported = new Map<string, { status: 'delivered' | 'failed'; reason?: string }>();
    return this.subscribe(
      {
        cases: options.cases ?? 'team',
        types: ['message.sent', 'message.corrected'],
        ...(options.after === undefined ? {} : { after: options.after }),
      },
      async (event, cursor) => {
        const reply = replyOf(event);
        if (!reply || reply.direction !== 'out' || !this.channels.includes(reply.channel)) return;
        const key = `${reply.caseId}\n${reply.seq}`;
        let outcome = unreported.get(key);
        if (!outcome) {
          try {
            await handler(reply, cursor);
            outcome = { status: 'delivered' };
          } catch (err) {
            outcome = { status: 'failed', reason: err instanceof Error ? err.message : String(err) };
          }
          unreported.set(key, outcome);
        }
        try {
          await this.report(reply.caseId, reply.seq, outcome.status, outcome.reason);
        } catch (err) {
          // Thrown, the event comes again after a pause; anything else no retry can mend.
          if (err instanceof CaseroomError && passing.has(err.code)) throw err;
        }
        unreported.delete(key);
      },
    );
  }
}

function replyOf(event: CaseEvent): Reply | null {
  const data = replyDataSchema.safeParse(event.data);
  return data.success ? { ...data.data, caseId: event.caseId } : null;
}

/** A failure's reason as the hub takes it: some text, not too long. */
function reasonText(reason: string | undefined): string {
  const text = reason?.trim() || 'The channel could not deliver the reply';
  return text.length > maxReason ? `${text.slice(0, maxReason - 1)}…` : text;
}
