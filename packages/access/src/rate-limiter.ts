/**
 * Token buckets by key (a token id or a client address): each holds at most `burst` requests and refills at `rps`
 * per second; a request takes one. Memory is bounded: past `maxBuckets` keys the least recently used bucket is
 * dropped, and a dropped bucket comes back full — which only ever errs towards allowing. Time is passed in (ms), so
 * tests are deterministic.
 */
export class KeyedRateLimiter {
  // Map iteration is insertion order; re-inserting on every use keeps it least-recently-used first.
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
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
    const bucket = this.buckets.get(key);
    let tokens = this.burst;
    if (bucket) {
      this.buckets.delete(key);
      tokens = Math.min(this.burst, bucket.tokens + (Math.max(0, nowMs - bucket.at) / 1000) * this.rps);
    } else if (this.buckets.size >= this.maxBuckets) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
    const allowed = tokens >= 1;
    const next = allowed ? tokens - 1 : tokens;
    if (bucket) {
      bucket.tokens = next;
      bucket.at = nowMs;
      this.buckets.set(key, bucket);
    } else {
      this.buckets.set(key, { tokens: next, at: nowMs });
    }
    return allowed ? 0 : Math.max(1, Math.ceil((1 - tokens) / this.rps));
  }
}
