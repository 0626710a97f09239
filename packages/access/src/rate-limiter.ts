/**
 * Token buckets by key (a token id or a client address): each holds at most `burst` requests and refills at `rps`
 * per second; a request takes one. Memory is bounded: past `maxBuckets` keys the least recently used bucket is
 * dropped (recency to the second: see {@link RECENCY_MS}), and a dropped bucket comes back full — which only ever
 * errs towards allowing. Time is passed in (ms), so tests are deterministic.
 */
export class KeyedRateLimiter {
  // Map iteration is insertion order; moving a bucket to the end when it is used keeps the least recently used first.
  private readonly buckets = new Map<string, Bucket>();
  private readonly burst: number;

  constructor(
    private readonly rps: number,
    burst: number,
    private readonly maxBuckets: number,
  ) {
    this.burst = burst > 0 ? burst : Math.max(1, 2 * rps);
  }

  /** Whether the limit is on (a rate of 0 switches it off). */
  get enabled(): boolean {
    return this.rps > 0;
  }

  /** Buckets held now. */
  get size(): number {
    return this.buckets.size;
  }

  /**
   * Takes one request from `key`'s bucket. Returns 0 when allowed, otherwise the whole seconds (at least 1) until
   * a request would be allowed — the `Retry-After` to answer with.
   */
  take(key: string, nowMs: number): number {
    if (!this.enabled) return 0;
    let bucket = this.buckets.get(key);
    if (bucket) {
      bucket.tokens = Math.min(this.burst, bucket.tokens + (Math.max(0, nowMs - bucket.at) / 1000) * this.rps);
      bucket.at = nowMs;
      if (nowMs - bucket.moved >= RECENCY_MS) {
        this.buckets.delete(key);
        this.buckets.set(key, bucket);
        bucket.moved = nowMs;
      }
    } else {
      if (this.buckets.size >= this.maxBuckets) {
        const oldest = this.buckets.keys().next().value;
        if (oldest !== undefined) this.buckets.delete(oldest);
      }
      bucket = { tokens: this.burst, at: nowMs, moved: nowMs };
      this.buckets.set(key, bucket);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.rps));
  }
}

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date (ms). */
  at: number;
  /** When the bucket was last moved to the most recently used end. */
  moved: number;
}

/**
 * How stale a bucket's place in the recency order may be: a bucket used again within this long stays where it is.
 * Moving it on every request (a delete and a set on the map, twice per request with the per-address and per-token
 * limits) was the largest part of what the limits cost; eviction only needs recency to the second.
 */
const RECENCY_MS = 1000;
