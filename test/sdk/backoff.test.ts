/** The one backoff rule of the SDK's own retries. */
import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../client-sdk/src/backoff.js';

describe('the backoff', () => {
  const backoff = { firstMs: 500, maxMs: 10_000 };

  it('waits the first delay after one failure and doubles it with each failure in a row', () => {
    expect([0, 1, 2, 3, 4].map((failures) => backoffDelay(backoff, failures))).toEqual([500, 1000, 2000, 4000, 8000]);
  });

  it('never waits longer than the ceiling, however many failures', () => {
    expect(backoffDelay(backoff, 5)).toBe(10_000);
    expect(backoffDelay(backoff, 50)).toBe(10_000);
    // 2 ** 2000 is Infinity: still the ceiling, not a timer that fires at once.
    expect(backoffDelay(backoff, 2000)).toBe(10_000);
  });

  it('takes a ceiling below the first delay as the delay', () => {
    expect(backoffDelay({ firstMs: 1000, maxMs: 200 }, 0)).toBe(200);
  });
});
