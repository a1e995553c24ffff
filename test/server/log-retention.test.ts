import { describe, expect, it } from 'vitest';
import { LogRetention, type RetentionOptions } from '../../server/src/events/LogRetention.js';
import { capturedLogs } from '../helpers/logs.js';

type Store = RetentionOptions['store'];

/** A store whose trims answer `removed` in turn (0 once they run out), recording each call. */
function trimmingStore(removed: number[], calls: Array<[log: string, before: number, limit: number]>, done: () => void): Store {
  const events = {
    trim: async (before: number, limit: number) => {
      calls.push(['events', before, limit]);
      const next = removed.shift() ?? 0;
      if (removed.length === 0) done();
      return next;
    },
  };
  const webhooks = {
    trimDeliveries: async (before: number, limit: number) => {
      calls.push(['deliveries', before, limit]);
      return 0;
    },
  };
  return { events, webhooks } as unknown as Store;
}

describe('the retention pass', () => {
  it('trims in bounded batches until one comes back short, counts what went and logs the pass once', async () => {
    const calls: Array<[string, number, number]> = [];
    const counted: Array<[string, number]> = [];
    const logs = capturedLogs();
    let finished!: () => void;
    const lastBatch = new Promise<void>((resolve) => (finished = resolve));
    const retention = new LogRetention({
      store: trimmingStore([2_000, 2_000, 500], calls, () => finished()),
      eventsMs: 60_000,
      deliveriesMs: null,
      intervalMs: 3_600_000,
      metrics: { trimmed: (log, count) => counted.push([log, count]) },
      log: logs.log,
    });
    const started = Date.now();
    retention.start();
    await lastBatch;
    await retention.stop();

    // Every batch asks for at most 2,000 events older than a minute, measured once for the pass.
    expect(calls.map(([log, , limit]) => [log, limit])).toEqual([
      ['events', 2_000],
      ['events', 2_000],
      ['events', 2_000],
    ]);
    expect(new Set(calls.map(([, before]) => before)).size).toBe(1);
    expect(calls[0]![1]).toBeLessThanOrEqual(started - 60_000 + 1_000);
    expect(counted).toEqual([
      ['events', 2_000],
      ['events', 2_000],
      ['events', 500],
    ]);
    expect(logs.since().filter((line) => line.msg === 'retention pass')).toEqual([
      expect.objectContaining({ events: 4_500, deliveries: 0 }),
    ]);
  });

  it('does nothing when both logs are kept whole', async () => {
    const calls: Array<[string, number, number]> = [];
    const retention = new LogRetention({
      store: trimmingStore([], calls, () => undefined),
      eventsMs: null,
      deliveriesMs: null,
      intervalMs: 1_000,
      metrics: { trimmed: () => undefined },
      log: capturedLogs().log,
    });
    retention.start();
    await retention.stop();
    expect(calls).toEqual([]);
  });
});
