/**
 * Does a quantity keep growing once the hub has warmed up? A least-squares line through the
 * samples after the warm-up, its slope per hour compared with a limit stated here. A line, not
 * first against last, so that one garbage collection or one checkpoint at either end of the run
 * does not decide the verdict. Pure: the soak feeds it samples, the tests feed it made-up ones.
 */

/** What the soak samples from the hub every interval, and what the load had done by then. */
export interface SoakSample {
  /** seconds since the load started */
  at: number;
  /** resident set size (VmRSS), bytes */
  rss: number;
  /** V8 heap in use after a full collection, bytes */
  heapUsed: number;
  /** V8 heap in use as `/metrics` reported it (between collections), bytes: shown, not checked */
  heapScraped: number;
  /** what the store holds: SQLite's pages in use, or the run's own Redis keys, bytes */
  storeBytes: number;
  /** what the store takes: SQLite's files with the write-ahead log, or Redis' used_memory, bytes: shown, not checked */
  storeWhole: number;
  /** open file descriptors of the hub process */
  handles: number;
  /** event-loop lag p99 over the interval since the previous sample, ms */
  lagP99: number;
  /** the hub's CPU time over the interval since the previous sample, % of one core: shown, not checked */
  cpuShare: number;
  /** operations the load completed so far (cases opened, edits, claims, …) */
  operations: number;
  /** errors the load saw so far (expected refusals not included) */
  errors: number;
  /** cases opened so far */
  casesOpened: number;
}

export type Quantity = 'rss' | 'heapUsed' | 'storeBytes' | 'handles' | 'lagP99';

/** What a limit may depend on besides the samples. */
export interface RunFacts {
  /** cases the load opened per hour after the fit's start */
  casesPerHour: number;
}

export interface GrowthLimit {
  quantity: Quantity;
  label: string;
  unit: 'bytes' | 'count' | 'ms';
  /** the largest slope allowed, per hour, given the post-warm-up mean and the run */
  perHour(mean: number, run: RunFacts): number;
  /** the limit in words, as the report states it */
  stated: string;
  /** the fit starts no earlier than this many seconds into the run (the store settles once retention trims) */
  settleSeconds?: number;
}

/** Events and webhook deliveries are kept 5 minutes in the soak, trimmed every 30 s: the store settles after both. */
export const retentionSettleSeconds = 5 * 60 + 30;

/**
 * The limits, per hour of run. Why these:
 * - RSS and heap: 10 % of their post-warm-up mean per hour. A process that holds steady moves by
 *   a few per cent as garbage piles up and is collected; anything kept per case, per connection
 *   or per event (about a thousand cases and thousands of connections an hour here) grows by far
 *   more than that over a 30-minute fit.
 * - Store: events and deliveries are trimmed once older than 5 minutes, so after that window the
 *   store grows only by what is kept for good: the cases themselves (record, document, thread,
 *   approvals). 16 KiB per case opened (about twice what one soak case keeps) plus 2 MiB/h of
 *   slack (a WAL that has not been checkpointed back, free pages SQLite keeps); a log that is not
 *   trimmed adds tens of KiB per case on top and fails it.
 * - Open handles: 20 per hour. Connections come and go all the time, so the count moves by a
 *   handful from sample to sample; a handle leaked per case or per connection is hundreds an hour.
 * - Event-loop lag p99: at most 20 ms more per hour. The lag is measured at 10 ms resolution and
 *   jumps with each major collection; a hub whose work per operation grows with what it has
 *   stored (a scan over a log that is not trimmed) climbs by far more.
 */
export const growthLimits: GrowthLimit[] = [
  {
    quantity: 'rss',
    label: 'RSS (after a full collection)',
    unit: 'bytes',
    perHour: (mean) => 0.1 * mean,
    stated: '10 % of the mean per hour',
  },
  {
    quantity: 'heapUsed',
    label: 'heap used (after a full collection)',
    unit: 'bytes',
    perHour: (mean) => 0.1 * mean,
    stated: '10 % of the mean per hour',
  },
  {
    quantity: 'storeBytes',
    label: 'store size',
    unit: 'bytes',
    perHour: (_mean, run) => 2 * 1024 * 1024 + run.casesPerHour * 16 * 1024,
    stated: '2 MiB + 16 KiB per case opened, per hour, after the retention window',
    settleSeconds: retentionSettleSeconds,
  },
  { quantity: 'handles', label: 'open handles', unit: 'count', perHour: () => 20, stated: '20 per hour' },
  { quantity: 'lagP99', label: 'event-loop lag p99', unit: 'ms', perHour: () => 20, stated: '20 ms per hour' },
];

/** A verdict needs this long a fit: a slope over a few minutes, times the hours, is mostly noise. */
export const minFitSeconds = 10 * 60;
/** …and at least this many samples in it. */
export const minFitSamples = 10;

/** The warm-up: the first 20 % of the run, and at least 2 minutes in a run of 10 minutes or more. */
export function warmupSeconds(runSeconds: number): number {
  const fifth = 0.2 * runSeconds;
  return runSeconds >= 10 * 60 ? Math.max(fifth, 120) : fifth;
}

/** Least-squares line through the points; null for fewer than 2 points or a single x. */
export function fitLine(points: Array<[x: number, y: number]>): { slope: number; intercept: number } | null {
  const n = points.length;
  if (n < 2) return null;
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / n;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of points) {
    sxy += (x - meanX) * (y - meanY);
    sxx += (x - meanX) ** 2;
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  return { slope, intercept: meanY - slope * meanX };
}

export interface GrowthVerdict {
  quantity: Quantity;
  label: string;
  unit: GrowthLimit['unit'];
  stated: string;
  /** seconds into the run where the fit starts */
  from: number;
  samples: number;
  mean: number;
  /** NaN when there was nothing to fit */
  slopePerHour: number;
  limitPerHour: number;
  /** `short`: too little run after the warm-up to judge; reported, not failed */
  verdict: 'ok' | 'too fast' | 'short';
}

/** Checks every limit against the samples of a run of `runSeconds`. */
export function checkGrowth(samples: SoakSample[], runSeconds: number, limits: GrowthLimit[] = growthLimits): GrowthVerdict[] {
  const warmup = warmupSeconds(runSeconds);
  return limits.map((limit) => {
    const from = Math.max(warmup, limit.settleSeconds ?? 0);
    const fitted = samples.filter((sample) => sample.at >= from);
    const mean = fitted.length > 0 ? fitted.reduce((sum, sample) => sum + sample[limit.quantity], 0) / fitted.length : Number.NaN;
    const line = fitLine(fitted.map((sample) => [sample.at / 3600, sample[limit.quantity]]));
    const span = fitted.length > 0 ? fitted[fitted.length - 1]!.at - fitted[0]!.at : 0;
    const first = fitted[0];
    const last = fitted[fitted.length - 1];
    const hours = first && last ? (last.at - first.at) / 3600 : 0;
    const casesPerHour = first && last && hours > 0 ? (last.casesOpened - first.casesOpened) / hours : 0;
    const limitPerHour = limit.perHour(mean, { casesPerHour });
    const slopePerHour = line?.slope ?? Number.NaN;
    const verdict =
      span < minFitSeconds || fitted.length < minFitSamples || !line ? 'short' : slopePerHour > limitPerHour ? 'too fast' : 'ok';
    return {
      quantity: limit.quantity,
      label: limit.label,
      unit: limit.unit,
      stated: limit.stated,
      from,
      samples: fitted.length,
      mean,
      slopePerHour,
      limitPerHour,
      verdict,
    };
  });
}
