/**
 * One subscription of a bot to case events. It replays everything after a cursor (or the whole
 * log, from `'start'`), then streams live events with no gap and no duplicate at the seam; store
 * the cursor your handler is given and pass it back as `after` after a restart to see every event
 * exactly once more from there. When the hub has removed events after the cursor (its retention
 * policy), the subscription ends with a `cursor_expired` error instead of skipping them; the app
 * decides whether to go on from `error.details.oldest`. While no event matches its filter, the hub
 * still moves it along the log (`caughtUp`), so a narrow or quiet subscription is not refused for
 * events it would never have read.
 */
import { CaseroomError, type CaseEvent, type EventFilter, type WireError } from '@caseroom/shared';
import { Emitter } from './Emitter.js';
import type { ClientSocket } from './request.js';

/** Handles one event; the subscription waits for it (and its promise) before the next one. */
export type EventHandler = (event: CaseEvent, cursor: string) => void | Promise<void>;

export interface EventSubscriptionEvents {
  [event: string]: unknown[];
  /**
   * the hub refused or ended the subscription (it is closed on a final code such as
   * `cursor_expired`), or a handler threw (the event is redelivered)
   */
  error: [error: unknown];
  /**
   * the hub read past events that do not match the filter, up to `cursor`: `subscription.cursor`
   * is now `cursor`; store it as your handler's cursors, to resume from it
   */
  caughtUp: [cursor: string];
}

/** Refusals that retrying cannot fix: the subscription ends. */
const finalCodes = new Set(['invalid_cursor', 'cursor_expired', 'invalid_filter', 'out_of_scope', 'invalid_payload', 'unknown_case']);
const handlerRetryMs = 1_000;

export class EventSubscription extends Emitter<EventSubscriptionEvents> {
  /** Resolves with the cursor the subscription started from once the hub accepted it. */
  readonly ready: Promise<string | null>;
  private lastCursor: string | null;
  private serverId: string | null = null;
  private closed = false;
  /** bumped on every (re)subscription; batches of an older one are dropped */
  private generation = 0;
  private resolveReady!: (cursor: string | null) => void;
  private rejectReady!: (err: unknown) => void;

  /** @internal created by `BotClient.subscribe` */
  constructor(
    private readonly socket: ClientSocket,
    private readonly filter: EventFilter,
    private readonly handler: EventHandler,
    private readonly onClosed: (subscription: EventSubscription) => void,
  ) {
    super();
    this.lastCursor = filter.after ?? null;
    this.ready = new Promise((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    this.ready.catch(() => undefined);
  }

  /** The id of the last event your handler finished, or where the hub last said it read up to (or where the subscription started). */
  get cursor(): string | null {
    return this.lastCursor;
  }

  /** Stops the subscription; no handler call starts after this. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.generation++;
    this.onClosed(this);
    const id = this.serverId;
    this.serverId = null;
    // Not awaited: the hub may be gone already, and it ends subscriptions with the socket anyway.
    if (id && this.socket.connected) this.socket.emit('events:unsubscribe', { subscriptionId: id }, () => undefined);
  }

  /** @internal (re)subscribes from the cursor; called on every connect */
  start(): void {
    if (this.closed || !this.socket.connected) return;
    const generation = ++this.generation;
    const { cases, types } = this.filter;
    // Any cursor given goes to the hub, which refuses one that is not a string (`after: 0`) with
    // `invalid_cursor`, instead of it meaning "from now".
    const ask: EventFilter = {
      ...(cases ? { cases } : {}),
      ...(types ? { types } : {}),
      ...(this.lastCursor !== null ? { after: this.lastCursor } : {}),
    };
    // A callback, not a promise: the first batch can be decoded in the same turn as this
    // acknowledgement, and must find `serverId` already set.
    this.socket.emit('events:subscribe', ask, (answer) => {
      if (generation !== this.generation) return;
      if (answer.ok) {
        this.serverId = answer.subscriptionId;
        // Starting "from now": remember where now was, so a reconnect misses nothing.
        this.lastCursor ??= answer.cursor;
        this.resolveReady(answer.cursor);
        return;
      }
      const err = CaseroomError.fromWire(answer.error);
      this.emit('error', err);
      if (finalCodes.has(err.code)) {
        this.rejectReady(err);
        void this.close();
      }
    });
  }

  /** @internal the hub ended the subscription (its cursor expired): say why, and close */
  ended(subscriptionId: string, error: WireError): void {
    if (subscriptionId !== this.serverId) return;
    this.serverId = null;
    this.emit('error', CaseroomError.fromWire(error));
    void this.close();
  }

  /** @internal the hub moved the subscription past events it does not match (every batch before was handled) */
  caughtUp(subscriptionId: string, cursor: string): void {
    if (subscriptionId !== this.serverId) return;
    this.lastCursor = cursor;
    this.emit('caughtUp', cursor);
  }

  /** @internal the socket dropped; the hub ended its side */
  stopped(): void {
    this.generation++;
    this.serverId = null;
  }

  /** @internal a batch from the hub; acknowledged once every event in it is handled */
  async receive(subscriptionId: string, events: CaseEvent[], ack: () => void): Promise<void> {
    if (subscriptionId !== this.serverId) return;
    const generation = this.generation;
    for (const event of events) {
      if (generation !== this.generation) return;
      try {
        await this.handler(event, event.id);
      } catch (err) {
        // Not acknowledged: subscribe again from the last handled event, which redelivers this one.
        this.emit('error', err);
        this.generation++;
        if (this.serverId) this.socket.emit('events:unsubscribe', { subscriptionId: this.serverId }, () => undefined);
        this.serverId = null;
        setTimeout(() => this.start(), handlerRetryMs);
        return;
      }
      if (generation !== this.generation) return;
      this.lastCursor = event.id;
    }
    ack();
  }
}
