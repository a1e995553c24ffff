/**
 * Delivers case events to every registered webhook: one follower per webhook, each with its own
 * durable cursor, all woken when new events are stored. One dispatcher runs per hub; it owns the
 * followers' timers and requests and ends them all on `stop`.
 */
import type { StoredWebhook } from '../store/WebhookStore.js';
import { WebhookFollower, type FollowerOptions } from './WebhookFollower.js';

/** A dispatcher needs exactly what each of its followers needs. */
export type DispatcherOptions = FollowerOptions;

export class WebhookDispatcher {
  private readonly followers = new Map<string, WebhookFollower>();
  private stopWaking: () => void = () => undefined;
  private stopped = true;

  constructor(private readonly options: DispatcherOptions) {}

  /**
   * Resumes every stored webhook from its cursor, then follows new events as they are stored. In
   * a cluster only the node holding the webhook lease runs this (see cluster/Lease.ts).
   */
  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    this.stopWaking = this.options.events.onWake(() => {
      for (const follower of this.followers.values()) follower.wake();
    });
    await this.sync();
    this.options.log.info({ webhooks: this.followers.size }, 'webhook dispatcher started');
  }

  /** Follows webhooks registered and drops ones removed elsewhere (by another hub node). */
  async sync(): Promise<void> {
    if (this.stopped) return;
    const stored = await this.options.store.list();
    const ids = new Set(stored.map((webhook) => webhook.id));
    for (const id of this.followers.keys()) if (!ids.has(id)) await this.unfollow(id);
    for (const webhook of stored) this.follow(webhook);
  }

  /** Starts delivering to a webhook (a new one, or a stored one on start). */
  follow(webhook: StoredWebhook): void {
    if (this.stopped || this.followers.has(webhook.id)) return;
    const follower = new WebhookFollower(webhook, this.options);
    this.followers.set(webhook.id, follower);
    follower.wake();
  }

  /** Stops delivering to a webhook, aborting an attempt under way. */
  async unfollow(webhookId: string): Promise<void> {
    const follower = this.followers.get(webhookId);
    this.followers.delete(webhookId);
    await follower?.stop();
  }

  /** Ends every retry timer and request; resolves once no attempt will write to the store again. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.stopWaking();
    const followers = [...this.followers.values()];
    this.followers.clear();
    await Promise.all(followers.map((follower) => follower.stop()));
  }
}
