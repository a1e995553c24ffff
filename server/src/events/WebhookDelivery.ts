/**
 * When this node delivers webhooks: while it holds the delivery lease (in embedded mode, always;
 * in a cluster, one node at a time, or every event would go out once per node). The holder
 * re-reads the list of webhooks now and then in a cluster, since other nodes register them too.
 */
import type { Logger } from '../logger.js';
import type { WebhookDispatcher } from './WebhookDispatcher.js';

/** How often the lease holder re-reads the webhooks other nodes registered or removed. */
const resyncMs = 5_000;

/** Held by one node at a time (cluster/Lease.ts is one). */
export interface DeliveryLease {
  /** Calls `onChange(true)` when this node gains the lease and `onChange(false)` when it loses it. */
  start(onChange: (held: boolean) => void): void;
  stop(): Promise<void>;
}

export class WebhookDelivery {
  private resync: NodeJS.Timeout | undefined;

  constructor(
    private readonly dispatcher: WebhookDispatcher,
    private readonly lease: DeliveryLease,
    /** whether other nodes register webhooks too */
    private readonly clustered: boolean,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.lease.start((held) => {
      clearInterval(this.resync);
      if (!held) return void this.dispatcher.stop();
      void this.dispatcher.start().catch((err: unknown) => this.log.error({ err }, 'starting webhook delivery failed'));
      if (this.clustered) {
        this.resync = setInterval(() => void this.dispatcher.sync().catch(() => undefined), resyncMs);
        this.resync.unref();
      }
    });
  }

  /** Gives up the lease and aborts the attempts under way; their events go out again after a restart (at-least-once). */
  async stop(): Promise<void> {
    clearInterval(this.resync);
    await this.lease.stop();
    await this.dispatcher.stop();
  }
}
