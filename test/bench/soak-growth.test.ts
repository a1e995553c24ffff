/** The soak's growth check (bench/src/soak/growthCheck.ts): a fitted slope after the warm-up against a stated limit. */
import { describe, expect, it } from 'vitest';
import {
  checkGrowth,
  fitLine,
  growthLimits,
  minFitSeconds,
  retentionSettleSeconds,
  warmupSeconds,
  type Quantity,
  type SoakSample,
} from '../../bench/src/soak/growthCheck.js';

const mib = 1024 * 1024;

/** A run of `minutes` sampled every 10 s, flat unless `shape` says otherwise. */
function run(minutes: number, shape: (at: number) => Partial<SoakSample> = () => ({})): SoakSample[] {
  return Array.from({ length: minutes * 6 + 1 }, (_, i) => {
    const at = i * 10;
    return {
      at,
      rss: 100 * mib,
      heapUsed: 40 * mib,
      heapScraped: 50 * mib,
      storeBytes: 20 * mib,
      storeWhole: 30 * mib,
      handles: 60,
      lagP99: 11,
      cpuShare: 12,
      operations: at * 10,
      errors: 0,
      casesOpened: Math.floor(at / 4),
      ...shape(at),
    };
  });
}

const verdictOf = (samples: SoakSample[], quantity: Quantity) => {
  const found = checkGrowth(samples, samples[samples.length - 1]!.at).find((v) => v.quantity === quantity);
  if (!found) throw new Error(`no verdict for ${quantity}`);
  return found;
};

describe('the soak growth check', () => {
  it('fits the least-squares line, not the first and last points', () => {
    const line = fitLine([
      [0, 1],
      [1, 3],
      [2, 5],
      [3, 7],
    ]);
    expect(line!.slope).toBeCloseTo(2);
    expect(line!.intercept).toBeCloseTo(1);
    // A spike at the end moves the line a little, not as far as end minus start says.
    const spiked = fitLine([
      [0, 10],
      [1, 10],
      [2, 10],
      [3, 10],
      [4, 30],
    ]);
    expect(spiked!.slope).toBeCloseTo(4);
    expect(fitLine([[1, 2]])).toBeNull();
    expect(
      fitLine([
        [1, 2],
        [1, 3],
      ]),
    ).toBeNull();
  });

  it('warms up for the first 20 % of the run, and at least 2 minutes in a long run', () => {
    expect(warmupSeconds(180)).toBe(36);
    expect(warmupSeconds(30 * 60)).toBe(360);
    expect(warmupSeconds(10 * 60)).toBe(120);
  });

  it('passes a 30-minute run whose quantities stay flat after the warm-up, whatever they did during it', () => {
    // Everything climbs steeply during the first 5 minutes, then holds.
    const samples = run(30, (at) => (at < 300 ? { rss: (50 + at / 6) * mib, handles: 10 + at / 6 } : { rss: 100 * mib, handles: 60 }));
    const verdicts = checkGrowth(samples, 1800);
    expect(verdicts.map((v) => [v.quantity, v.verdict])).toEqual(growthLimits.map((limit) => [limit.quantity, 'ok']));
    expect(verdicts.find((v) => v.quantity === 'rss')!.slopePerHour).toBeCloseTo(0);
  });

  it('fails RSS growing by more than 10 % of its mean per hour, and passes it just under', () => {
    // 100 MiB growing 12 MiB/h: the mean after the warm-up is about 103 MiB, the limit 10.3 MiB/h.
    expect(
      verdictOf(
        run(30, (at) => ({ rss: 100 * mib + (12 * mib * at) / 3600 })),
        'rss',
      ).verdict,
    ).toBe('too fast');
    expect(
      verdictOf(
        run(30, (at) => ({ rss: 100 * mib + (9 * mib * at) / 3600 })),
        'rss',
      ).verdict,
    ).toBe('ok');
  });

  it('reports the slope per hour and the limit it was held to', () => {
    const v = verdictOf(
      run(30, (at) => ({ heapUsed: 40 * mib + (8 * mib * at) / 3600 })),
      'heapUsed',
    );
    expect(v.slopePerHour / mib).toBeCloseTo(8);
    expect(v.limitPerHour).toBeCloseTo(0.1 * v.mean);
    expect(v.verdict).toBe('too fast');
  });

  it('fits the store only after the retention window, and allows for the cases kept', () => {
    // Fast growth until retention starts trimming, flat after: passes. In 20 minutes the warm-up
    // (4 minutes) ends before the retention window does.
    const settles = run(20, (at) => ({ storeBytes: Math.min(at, retentionSettleSeconds) * 0.1 * mib }));
    const settled = verdictOf(settles, 'storeBytes');
    expect(settled.from).toBe(retentionSettleSeconds);
    expect(settled.verdict).toBe('ok');
    // 900 cases an hour (one per 4 s) may add 900 x 16 KiB + 2 MiB = about 16 MiB/h; 12 MiB/h passes, 20 fails.
    const limit = settled.limitPerHour / mib;
    expect(limit).toBeCloseTo(2 + (900 * 16) / 1024, 0);
    const growing = (mibPerHour: number) => run(30, (at) => ({ storeBytes: 20 * mib + (mibPerHour * mib * at) / 3600 }));
    expect(verdictOf(growing(12), 'storeBytes').verdict).toBe('ok');
    expect(verdictOf(growing(20), 'storeBytes').verdict).toBe('too fast');
  });

  it('fails handles leaking one per minute and lag climbing 30 ms an hour, not noise around a flat line', () => {
    expect(
      verdictOf(
        run(30, (at) => ({ handles: 60 + Math.floor(at / 60) })),
        'handles',
      ).verdict,
    ).toBe('too fast');
    expect(
      verdictOf(
        run(30, (at) => ({ lagP99: 11 + (30 * at) / 3600 })),
        'lagP99',
      ).verdict,
    ).toBe('too fast');
    // Connections coming and going: +-5 handles, lag jumping to 40 ms at every 7th sample.
    const noisy = run(30, (at) => ({ handles: 60 + ((at / 10) % 11) - 5, lagP99: (at / 10) % 7 === 0 ? 40 : 11 }));
    expect(verdictOf(noisy, 'handles').verdict).toBe('ok');
    expect(verdictOf(noisy, 'lagP99').verdict).toBe('ok');
  });

  it('does not judge a run too short to fit, however steep its slope', () => {
    const steep = run(3, (at) => ({ rss: 100 * mib + at * mib }));
    const v = verdictOf(steep, 'rss');
    expect(v.verdict).toBe('short');
    expect(v.slopePerHour).toBeGreaterThan(v.limitPerHour);
    // The store's fit starts after the retention window: nothing to fit in 3 minutes.
    expect(verdictOf(steep, 'storeBytes').samples).toBe(0);
    expect(minFitSeconds).toBeGreaterThanOrEqual(600);
  });
});
