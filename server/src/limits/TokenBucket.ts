/**
 * A token bucket: holds up to `capacity` tokens and refills at `perSecond`. Pure: the caller
 * passes the time, so the arithmetic is testable without clocks.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  /** `now` in milliseconds; the bucket starts full. */
  constructor(
    private readonly perSecond: number,
    private readonly capacity: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.last = now;
  }

  /** Takes `cost` tokens if the bucket holds that many now; otherwise takes nothing and answers false. */
  take(cost: number, now: number): boolean {
    this.refill(now);
    if (cost > this.tokens) return false;
    this.tokens -= cost;
    return true;
  }

  /** Tokens available at `now`. */
  available(now: number): number {
    this.refill(now);
    return this.tokens;
  }

  private refill(now: number): void {
    // A clock that steps back (or a caller's stale time) must not drain the bucket.
    const elapsed = Math.max(0, now - this.last);
    this.last = Math.max(this.last, now);
    this.tokens = Math.min(this.capacity, this.tokens + (elapsed * this.perSecond) / 1000);
  }
}
