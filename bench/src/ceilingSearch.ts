/**
 * The throughput ceiling's search: which offered rate to try next, given the steps so far. Rates
 * grow by `growth` until one fails, then the search bisects (geometrically) between the highest
 * rate that held below the lowest that failed, until the two are within `precision` of each
 * other. A coarse ladder alone (x1.5) would report a ceiling up to a third below the real one,
 * and two servers a rung apart as 1.5x apart.
 */

export interface SearchPlan {
  /** the first rate tried when no step ran yet */
  startRate: number;
  growth: number;
  /** stop when the lowest failing rate is within this factor of the highest passing one */
  precision: number;
  minRate: number;
  maxRate: number;
}

export interface SearchStep {
  rate: number;
  passed: boolean;
}

/** The bracket the steps give: the highest rate that held below the lowest that failed (0 and Infinity when none). */
export function bracket(steps: SearchStep[]): { held: number; failed: number } {
  const failed = Math.min(...steps.filter((s) => !s.passed).map((s) => s.rate));
  const held = Math.max(0, ...steps.filter((s) => s.passed && s.rate < failed).map((s) => s.rate));
  return { held, failed };
}

/** The next rate to try, or null when the search is done (the ceiling is then `bracket(steps).held`). */
export function nextRate(steps: SearchStep[], plan: SearchPlan): number | null {
  if (steps.length === 0) return plan.startRate;
  const { held, failed } = bracket(steps);
  let next: number;
  if (failed === Infinity) {
    if (held >= plan.maxRate) return null;
    next = Math.min(plan.maxRate, held * plan.growth);
  } else if (held === 0) {
    next = failed / plan.growth;
    if (next < plan.minRate) return null;
  } else {
    if (failed / held <= plan.precision) return null;
    next = Math.sqrt(held * failed);
  }
  const rate = tidy(next);
  // Rounding can land on a rate already tried, when the bracket is nearly as narrow as asked.
  return steps.some((s) => s.rate === rate) ? null : rate;
}

/** Rounded to 10 edits/s (to 100 from 1,000 up), so the rates printed stay readable: 2,800 rather than 2,828. */
function tidy(rate: number): number {
  const unit = rate >= 1000 ? 100 : 10;
  return Math.max(unit, Math.round(rate / unit) * unit);
}
