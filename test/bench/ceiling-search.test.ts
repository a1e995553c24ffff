/** The throughput ceiling's search (bench/src/ceilingSearch.ts): grow until a step fails, then bisect. */
import { describe, expect, it } from 'vitest';
import { bracket, nextRate, type SearchPlan, type SearchStep } from '../../bench/src/ceilingSearch.js';

const plan: SearchPlan = { startRate: 500, growth: 2, precision: 1.1, minRate: 50, maxRate: 20_000 };

/** Runs the search against a server that holds every rate up to `ceiling`; answers the rates tried and the ceiling found. */
function search(ceiling: number, first: number[] = []): { tried: number[]; found: number } {
  const steps: SearchStep[] = first.map((rate) => ({ rate, passed: rate <= ceiling }));
  for (let rate = nextRate(steps, plan); rate !== null; rate = nextRate(steps, plan)) {
    steps.push({ rate, passed: rate <= ceiling });
    if (steps.length > 30) throw new Error('the search does not end');
  }
  return { tried: steps.map((s) => s.rate), found: bracket(steps).held };
}

describe('the throughput ceiling search', () => {
  it('grows from the fixed rates until a step fails, then bisects to within 10 %', () => {
    const { tried, found } = search(3_000, [500, 1_000]);
    expect(tried.slice(0, 4)).toEqual([500, 1_000, 2_000, 4_000]);
    expect(found).toBeLessThanOrEqual(3_000);
    expect(found).toBeGreaterThan(3_000 / 1.1);
    expect(tried.length).toBeLessThanOrEqual(8);
  });

  it('goes below the first rate when that one already fails', () => {
    const { tried, found } = search(180, [500, 1_000]);
    expect(tried.slice(0, 4)).toEqual([500, 1_000, 250, 130]);
    expect(found).toBeLessThanOrEqual(180);
    expect(found).toBeGreaterThan(180 / 1.1);
  });

  it('reports 0 when even the lowest rate fails, and stops at the highest rate it may offer', () => {
    expect(search(10).found).toBe(0);
    expect(search(1_000_000).found).toBe(20_000);
  });

  it('brackets from the lowest failing rate, whatever a noisy step above it did', () => {
    const steps: SearchStep[] = [
      { rate: 1_000, passed: true },
      { rate: 2_000, passed: false },
      { rate: 4_000, passed: true },
    ];
    expect(bracket(steps)).toEqual({ held: 1_000, failed: 2_000 });
    expect(nextRate(steps, plan)).toBe(1_400);
  });
});
