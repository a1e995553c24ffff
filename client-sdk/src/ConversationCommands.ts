/**
 * The requests a person sends about the conversation of one open case: replies, corrections,
 * redactions, the "writing a reply" mark, the floor and earlier pages of the thread. Like
 * CaseCommands, each is refused with `not_connected` until the session is in the case, and its
 * answer goes into the conversation at once (the hub's announcement of it changes nothing more).
 *
 * The composing mark lapses on the hub unless renewed; while the app says it is writing, the mark
 * is renewed before it lapses, and it ends when the reply is sent or the case is left.
 */
import { CaseroomError, type Attachment, type Channel, type ErrorCode, type Floor, type Message } from '@caseroom/shared';
import type { ConversationSync } from './ConversationSync.js';
import { request, type ClientSocket } from './request.js';
import type { TokenRefresh } from './TokenRefresh.js';

export interface SendOptions {
  /** where the reply goes; by default the channel the customer last wrote on */
  channel?: Channel;
  attachments?: Attachment[];
  /** send even though someone else is writing a reply (after `reply_in_progress`) */
  confirm?: boolean;
  /** your id of this reply (one is made when absent): sending it again stores nothing new */
  clientMessageId?: string;
}

export interface HistoryOptions {
  /** only messages before this seq (absent: the newest) */
  before?: number;
  /** how many at most (default 100, at most 200) */
  limit?: number;
}

/** How often a composing mark is renewed, at most and at least: before the hub's lapses (8 s unless configured). */
const renewal = { minMs: 500, maxMs: 4_000 };

/** Refusals that pass: renewing the mark goes on after them. */
const passing = new Set<ErrorCode>(['not_connected', 'token_expired', 'rate_limited']);

export class ConversationCommands {
  private writing = false;
  /** bumped by every change of mind, so a late answer does not renew a mark the app dropped */
  private generation = 0;
  private renewTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly caseId: string,
    private readonly socket: ClientSocket,
    private readonly tokens: TokenRefresh,
    private readonly sync: ConversationSync,
    private readonly inCase: () => boolean,
  ) {}

  async send(body: string, options: SendOptions): Promise<Message> {
    // One id per reply, kept across the SDK's own retries (after a token refresh): the hub stores it once.
    const clientMessageId = options.clientMessageId ?? replyId();
    const { message } = await this.request('conversation:send', { caseId: this.caseId, body, ...options, clientMessageId });
    // The hub cleared the mark with the reply.
    this.stopWriting();
    this.sync.message(message);
    return message;
  }

  async correct(seq: number, body: string): Promise<Message> {
    const { message } = await this.request('conversation:correct', { caseId: this.caseId, seq, body });
    this.sync.message(message);
    return message;
  }

  async redact(seq: number, reason: string): Promise<Message> {
    const { message } = await this.request('conversation:redact', { caseId: this.caseId, seq, reason });
    this.sync.message(message);
    return message;
  }

  /** Starts (renewing it until told otherwise) or ends the mark; saying so again while it holds sends nothing. */
  async composing(composing: boolean): Promise<void> {
    if (composing === this.writing) return;
    const generation = ++this.generation;
    this.writing = composing;
    this.clearRenewal();
    try {
      const { until } = await this.request('conversation:composing', { caseId: this.caseId, composing });
      if (composing && generation === this.generation) this.renewBefore(until, generation);
    } catch (err) {
      if (generation === this.generation) this.writing = false;
      throw err;
    }
  }

  async giveFloor(userId: string): Promise<Floor> {
    const { floor } = await this.request('floor:give', { caseId: this.caseId, userId });
    this.sync.floor(floor);
    return floor;
  }

  async takeFloor(): Promise<Floor> {
    const { floor } = await this.request('floor:take', { caseId: this.caseId });
    this.sync.floor(floor);
    return floor;
  }

  async history(options: HistoryOptions): Promise<Message[]> {
    const page = await this.request('conversation:history', { caseId: this.caseId, ...options });
    this.sync.history(page);
    return page.messages;
  }

  /** The case is being left: the mark ends now rather than lapsing (not awaited; sent before the leave). */
  leave(): void {
    const wasWriting = this.writing;
    this.stopWriting();
    if (wasWriting && this.socket.connected)
      this.socket.emit('conversation:composing', { caseId: this.caseId, composing: false }, () => undefined);
  }

  private stopWriting(): void {
    this.generation++;
    this.writing = false;
    this.clearRenewal();
  }

  /** Renews the mark halfway to its lapse (`until`, as the hub answered). */
  private renewBefore(until: string | null, generation: number): void {
    const left = until === null ? 0 : Date.parse(until) - Date.now();
    this.renewAfter(Math.min(renewal.maxMs, Math.max(renewal.minMs, left / 2)), generation);
  }

  private renewAfter(delayMs: number, generation: number): void {
    this.renewTimer = setTimeout(() => {
      this.renewTimer = null;
      if (generation !== this.generation) return;
      this.request('conversation:composing', { caseId: this.caseId, composing: true }).then(
        ({ until }) => generation === this.generation && this.renewBefore(until, generation),
        (err: unknown) => {
          if (generation !== this.generation) return;
          // Offline for now: try again later. Refused (the floor was taken back): the mark ends.
          if (err instanceof CaseroomError && passing.has(err.code)) this.renewAfter(renewal.maxMs, generation);
          else this.stopWriting();
        },
      );
    }, delayMs);
  }

  private clearRenewal(): void {
    if (this.renewTimer) clearTimeout(this.renewTimer);
    this.renewTimer = null;
  }

  private request<E extends Parameters<typeof request>[1]>(event: E, payload: Parameters<typeof request<E>>[2]) {
    if (!this.inCase())
      return Promise.reject(new CaseroomError('not_connected', 'The case is not open on the hub yet; await session.synced'));
    return request(this.socket, event, payload, () => this.tokens.refresh());
  }
}

/** A random id for a reply (getRandomValues, unlike randomUUID, works on pages served over plain http). */
function replyId(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
