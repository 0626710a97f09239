import { describe, expect, it } from 'vitest';
import { KeyedRateLimiter } from '../src/rate-limiter.js';

describe('KeyedRateLimiter', () => {
  it('allows a burst, then refuses with the seconds until the next request, then refills', () => {
    const limiter = new KeyedRateLimiter(2, 3, 10);
    for (let i = 0; i < 3; i++) expect(limiter.take('a', 0)).toBe(0);
    expect(limiter.take('a', 0)).toBe(1);
    expect(limiter.take('a', 499)).toBe(1);
    expect(limiter.take('a', 500)).toBe(0);
    // Other keys have their own bucket.
    expect(limiter.take('b', 500)).toBe(0);
  });

  it('answers a Retry-After of whole seconds for slow rates', () => {
    const limiter = new KeyedRateLimiter(0.25, 1, 10);
    expect(limiter.take('a', 0)).toBe(0);
    expect(limiter.take('a', 0)).toBe(4);
    expect(limiter.take('a', 2000)).toBe(2);
  });

  it('burst 0 means twice the rate', () => {
    const limiter = new KeyedRateLimiter(5, 0, 10);
    let allowed = 0;
    while (limiter.take('a', 0) === 0) allowed++;
    expect(allowed).toBe(10);
  });

  it('rate 0 switches it off', () => {
    const limiter = new KeyedRateLimiter(0, 0, 10);
    expect(limiter.enabled).toBe(false);
    for (let i = 0; i < 1000; i++) expect(limiter.take('a', 0)).toBe(0);
    expect(limiter.size).toBe(0);
  });

  it('keeps at most maxBuckets, dropping the least recently used', () => {
    const limiter = new KeyedRateLimiter(0.001, 1, 2);
    expect(limiter.take('a', 0)).toBe(0);
    expect(limiter.take('b', 0)).toBe(0);
    expect(limiter.take('a', 1000)).toBeGreaterThan(0); // a is now the most recently used
    expect(limiter.take('c', 1000)).toBe(0); // drops b
    expect(limiter.size).toBe(2);
    expect(limiter.take('a', 1000)).toBeGreaterThan(0); // a was kept, still empty
    expect(limiter.take('b', 2000)).toBe(0); // b came back full
  });

  it('orders recency to the second: a bucket used again within one keeps its place', () => {
    const limiter = new KeyedRateLimiter(0.001, 1, 2);
    expect(limiter.take('a', 0)).toBe(0);
    expect(limiter.take('b', 0)).toBe(0);
    expect(limiter.take('a', 500)).toBeGreaterThan(0); // used, but still counts as older than b
    expect(limiter.take('c', 500)).toBe(0); // drops a
    expect(limiter.take('a', 600)).toBe(0); // a came back full
  });
});
