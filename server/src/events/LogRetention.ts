/**
 * Keeps the case event log and the webhook delivery log from growing without end: every interval
 * it removes what is older than each log's retention, oldest first, in bounded batches with a turn
 * of the event loop between them, so a pass over a large backlog never stalls the hub. Both stores
 * trim idempotently, so in a cluster every node runs its own pass and a record is removed once.
 * Only these two logs are trimmed: a case's record, document, ownership history and approvals
 * stay whatever its age.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { HubConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { HubMetrics } from '../metrics/HubMetrics.js';
import type { CaseStore } from '../store/CaseStore.js';

/** Records removed per step: enough to keep up, few enough that one step stays short. */
const batchSize = 2_000;

/** how long each log is kept (ms; null keeps it whole), and how often a pass runs */
type RetentionSettings = HubConfig['retention'];

export interface RetentionOptions extends RetentionSettings {
  store: Pick<CaseStore, 'events' | 'webhooks'>;
  metrics: Pick<HubMetrics, 'trimmed'>;
  log: Logger;
}

export class LogRetention {
  private timer: NodeJS.Timeout | null = null;
  private pass: Promise<void> | null = null;
  private stopped = true;

  constructor(private readonly options: RetentionOptions) {}

  /** Runs a pass now, then one every interval (nothing when both logs are kept whole). */
  start(): void {
    const { eventsMs, deliveriesMs, log } = this.options;
    if (eventsMs === null && deliveriesMs === null) return;
    this.stopped = false;
    log.info({ eventRetentionMs: eventsMs, deliveryRetentionMs: deliveriesMs, intervalMs: this.options.intervalMs }, 'retention on');
    this.runPass();
  }

  /** Clears the timer and waits for a pass under way to finish its batch. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.pass;
  }

  private runPass(): void {
    this.pass = this.trimAll().finally(() => {
      this.pass = null;
      if (this.stopped) return;
      this.timer = setTimeout(() => this.runPass(), this.options.intervalMs);
      this.timer.unref();
    });
  }

  private async trimAll(): Promise<void> {
    const { store, eventsMs, deliveriesMs, log } = this.options;
    const started = Date.now();
    try {
      const events =
        eventsMs === null ? 0 : await this.trim('events', started - eventsMs, (before) => store.events.trim(before, batchSize));
      const deliveries =
        deliveriesMs === null
          ? 0
          : await this.trim('deliveries', started - deliveriesMs, (before) => store.webhooks.trimDeliveries(before, batchSize));
      log.info({ events, deliveries, ms: Date.now() - started }, 'retention pass');
    } catch (err) {
      // The store may be away: the next pass takes up where this one stopped.
      log.warn({ err }, 'retention pass failed');
    }
  }

  /** Trims one log batch by batch until a batch comes back short; answers how many were removed. */
  private async trim(name: 'events' | 'deliveries', before: number, step: (before: number) => Promise<number>): Promise<number> {
    let total = 0;
    for (;;) {
      const removed = await step(before);
      total += removed;
      if (removed > 0) this.options.metrics.trimmed(name, removed);
      if (removed < batchSize || this.stopped) return total;
      await nextTurn();
    }
  }
}
