import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../src/domain/token-bucket.js';

describe('TokenBucket', () => {
  it('allows a burst, then the refill rate', () => {
    const bucket = new TokenBucket(10, 3, 0);
    expect([bucket.tryTake(0), bucket.tryTake(0), bucket.tryTake(0), bucket.tryTake(0)]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(bucket.msUntilNext(0)).toBe(100);
    expect(bucket.tryTake(50)).toBe(false);
    expect(bucket.tryTake(100)).toBe(true);
  });

  it('never holds more than the burst', () => {
    const bucket = new TokenBucket(1000, 2, 0);
    expect(bucket.tryTake(60_000)).toBe(true);
    expect(bucket.tryTake(60_000)).toBe(true);
    expect(bucket.tryTake(60_000)).toBe(false);
  });
});
