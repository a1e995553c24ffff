/**
 * The entry point for bots (intake, QA, summarisers, CRM sync): a `CaseClient` that can also
 * subscribe to case events (see EventSubscription), resubscribing from each subscription's cursor
 * whenever the socket comes back.
 */
import type { EventFilter } from '@caseroom/shared';
import { CaseClient } from './CaseClient.js';
import { EventSubscription, type EventHandler } from './EventSubscription.js';

export class BotClient extends CaseClient {
  private readonly subscriptions = new Map<string, EventSubscription>();
  private nextKey = 0;

  constructor(...args: ConstructorParameters<typeof CaseClient>) {
    super(...args);
    this.socket.on('connect', () => {
      for (const subscription of this.subscriptions.values()) subscription.start();
    });
    this.socket.on('disconnect', () => {
      for (const subscription of this.subscriptions.values()) subscription.stopped();
    });
    this.socket.on('events', (subscriptionId, events, ack) => {
      for (const subscription of this.subscriptions.values()) void subscription.receive(subscriptionId, events, ack);
    });
    this.socket.on('events:caughtUp', (subscriptionId, cursor) => {
      for (const subscription of this.subscriptions.values()) subscription.caughtUp(subscriptionId, cursor);
    });
    this.socket.on('events:ended', (subscriptionId, error) => {
      for (const subscription of this.subscriptions.values()) subscription.ended(subscriptionId, error);
    });
  }

  /**
   * Subscribes to case events: `cases` is a list of case ids or `'team'` (the default: every case
   * of your team), `types` narrows the event types, `after` resumes after a stored cursor, or
   * replays the whole log with `'start'` (absent: from now on). Refusals (`subscription.ready`
   * rejects): `invalid_cursor` (also for a cursor that is not a string), `invalid_filter`,
   * `out_of_scope`, `cursor_expired` (events after `after` were removed by the hub's retention
   * policy). A subscription that falls behind what the hub keeps ends with `cursor_expired` too,
   * as an `error` event; in both cases `error.details.oldest` is the oldest cursor still
   * available, and subscribing again with it as `after` goes on with what is kept.
   */
  subscribe(filter: EventFilter, handler: EventHandler): EventSubscription {
    const key = String(this.nextKey++);
    const subscription = new EventSubscription(this.socket, filter, handler, () => this.subscriptions.delete(key));
    this.subscriptions.set(key, subscription);
    subscription.start();
    return subscription;
  }

  override async close(): Promise<void> {
    await Promise.all([...this.subscriptions.values()].map((s) => s.close()));
    await super.close();
  }
}
