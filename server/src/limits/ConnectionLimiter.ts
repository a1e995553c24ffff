/**
 * Per-connection rate limits shared by both transports: messages per second and bytes per second,
 * each a token bucket that allows bursts of `burstSeconds` worth. A message is admitted only when
 * both buckets can pay for it, so a refused message costs nothing.
 */
import { CaseroomError } from '@caseroom/shared';
import { TokenBucket } from './TokenBucket.js';

export interface RateLimits {
  /** messages per second per connection; 0 turns the limit off */
  messagesPerSecond: number;
  /** bytes per second per connection; 0 turns the limit off */
  bytesPerSecond: number;
  /** how many seconds of traffic a connection may send at once after being quiet */
  burstSeconds: number;
  /** the largest single message: the byte bucket always holds at least this much */
  maxMessageBytes: number;
}

const monotonicNow = (): number => performance.now();

export class ConnectionLimiter {
  private readonly messages: TokenBucket | null;
  private readonly bytes: TokenBucket | null;

  constructor(
    private readonly limits: RateLimits,
    private readonly clock: () => number = monotonicNow,
  ) {
    const now = clock();
    const { messagesPerSecond, bytesPerSecond, burstSeconds, maxMessageBytes } = limits;
    this.messages = messagesPerSecond > 0 ? new TokenBucket(messagesPerSecond, Math.max(1, messagesPerSecond * burstSeconds), now) : null;
    this.bytes = bytesPerSecond > 0 ? new TokenBucket(bytesPerSecond, Math.max(maxMessageBytes, bytesPerSecond * burstSeconds), now) : null;
  }

  /** Admits one message of `size` bytes, or throws `rate_limited` naming the limit it broke. */
  admit(size: number): void {
    const now = this.clock();
    if (this.messages && this.messages.available(now) < 1) {
      throw new CaseroomError('rate_limited', `Slow down: at most ${this.limits.messagesPerSecond} messages per second`);
    }
    if (this.bytes && !this.bytes.take(size, now)) {
      throw new CaseroomError('rate_limited', `Slow down: at most ${this.limits.bytesPerSecond} bytes per second`);
    }
    this.messages?.take(1, now);
  }
}
