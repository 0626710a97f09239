/**
 * A token bucket: holds at most `burst` tokens, refills at `ratePerSecond`, and each action takes one. Time is
 * passed in (ms, monotonic) so behaviour is deterministic under test.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    nowMs: number,
  ) {
    this.tokens = burst;
    this.last = nowMs;
  }

  /** Takes one token if there is one; returns whether it did. */
  tryTake(nowMs: number): boolean {
    this.refill(nowMs);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Milliseconds until the next token is available (0 when one is). */
  msUntilNext(nowMs: number): number {
    this.refill(nowMs);
    if (this.tokens >= 1 || this.ratePerSecond <= 0) return 0;
    return Math.ceil(((1 - this.tokens) / this.ratePerSecond) * 1000);
  }

  private refill(nowMs: number): void {
    const elapsed = Math.max(0, nowMs - this.last);
    this.last = nowMs;
    this.tokens = Math.min(this.burst, this.tokens + (elapsed / 1000) * this.ratePerSecond);
  }
}
