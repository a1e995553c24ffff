import { describe, expect, it } from 'vitest';
import { ConnectionLimiter } from '../../server/src/limits/ConnectionLimiter.js';
import { messageSize } from '../../server/src/limits/messageSize.js';
import { TokenBucket } from '../../server/src/limits/TokenBucket.js';

describe('TokenBucket', () => {
  it('lets a full burst through at once, then refuses', () => {
    const bucket = new TokenBucket(10, 20, 0);
    for (let i = 0; i < 20; i++) expect(bucket.take(1, 0)).toBe(true);
    expect(bucket.take(1, 0)).toBe(false);
  });

  it('refills at its rate and never beyond its capacity', () => {
    const bucket = new TokenBucket(10, 20, 0);
    expect(bucket.take(20, 0)).toBe(true);
    expect(bucket.available(500)).toBeCloseTo(5);
    expect(bucket.take(6, 500)).toBe(false);
    expect(bucket.take(5, 500)).toBe(true);
    expect(bucket.available(60_000)).toBe(20);
  });

  it('takes nothing when it refuses', () => {
    const bucket = new TokenBucket(1, 10, 0);
    expect(bucket.take(11, 0)).toBe(false);
    expect(bucket.available(0)).toBe(10);
  });

  it('does not drain when the clock steps back', () => {
    const bucket = new TokenBucket(10, 10, 1_000);
    expect(bucket.take(10, 1_000)).toBe(true);
    expect(bucket.available(0)).toBe(0);
    expect(bucket.available(1_500)).toBeCloseTo(5);
  });
});

describe('ConnectionLimiter', () => {
  const limits = { messagesPerSecond: 2, bytesPerSecond: 100, burstSeconds: 2, maxMessageBytes: 50 };

  it('refuses the message after a burst of rate × burst seconds, naming the limit', () => {
    let now = 0;
    const limiter = new ConnectionLimiter(limits, () => now);
    for (let i = 0; i < 4; i++) limiter.admit(1);
    expect(() => limiter.admit(1)).toThrow(
      expect.objectContaining({ code: 'rate_limited', message: expect.stringContaining('2 messages') }),
    );
    now = 500;
    limiter.admit(1);
    expect(() => limiter.admit(1)).toThrow(expect.objectContaining({ code: 'rate_limited' }));
  });

  it('refuses bytes past the byte budget without spending a message', () => {
    let now = 0;
    const limiter = new ConnectionLimiter({ ...limits, messagesPerSecond: 1, burstSeconds: 1 }, () => now);
    expect(() => limiter.admit(500)).toThrow(
      expect.objectContaining({ code: 'rate_limited', message: expect.stringContaining('100 bytes') }),
    );
    // The refused message cost no message token: the one allowed message still passes.
    limiter.admit(10);
    expect(() => limiter.admit(10)).toThrow(expect.objectContaining({ code: 'rate_limited' }));
  });

  it('always lets one message of the largest allowed size through when rested', () => {
    const limiter = new ConnectionLimiter({ messagesPerSecond: 0, bytesPerSecond: 10, burstSeconds: 1, maxMessageBytes: 4096 }, () => 0);
    limiter.admit(4096);
    expect(() => limiter.admit(1)).toThrow(expect.objectContaining({ code: 'rate_limited' }));
  });

  it('limits nothing when both rates are 0', () => {
    const limiter = new ConnectionLimiter({ messagesPerSecond: 0, bytesPerSecond: 0, burstSeconds: 1, maxMessageBytes: 1 }, () => 0);
    for (let i = 0; i < 10_000; i++) limiter.admit(1_000_000);
  });
});

describe('messageSize', () => {
  it('counts binary by length and the rest by about its JSON length', () => {
    expect(messageSize([new Uint8Array(1000)])).toBe(1000);
    const json = { caseId: 'case-1', summary: 'x'.repeat(500), nested: [1, 2, { deep: true }] };
    expect(Math.abs(messageSize([json]) - JSON.stringify(json).length)).toBeLessThan(40);
    expect(messageSize(['doc:sync', 'case-1', new Uint8Array(10), () => undefined])).toBeGreaterThan(10);
  });

  it('survives deep nesting', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 10_000; i++) deep = [deep];
    expect(messageSize([deep])).toBeGreaterThan(0);
  });
});
