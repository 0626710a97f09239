import { randomFillSync } from 'node:crypto';
import type { IdGenerator } from '@opentelemetry/sdk-trace';

/** Random bytes drawn per refill: ids for ≈ 680 requests (a trace and a span id each) per call into the generator. */
const POOL_BYTES = 16384;
const ZERO_SPAN_ID = '0'.repeat(16);
const ZERO_TRACE_ID = '0'.repeat(32);

/**
 * Trace and span ids cut from a pool of random bytes rendered as hex once per refill. The SDK's default generator
 * draws each id from `Math.random` and renders it byte by byte; on a request that does little else (an embedded GET)
 * that is a measurable share of what tracing costs. Ids come from the system CSPRNG, and an all-zero id (invalid in
 * W3C trace context) is drawn again.
 */
export class PooledIdGenerator implements IdGenerator {
  readonly #bytes = Buffer.allocUnsafe(POOL_BYTES);
  #hex = '';
  /** Next unused hex character of `#hex`. */
  #at = POOL_BYTES * 2;

  generateTraceId(): string {
    let id: string;
    do id = this.#take(32);
    while (id === ZERO_TRACE_ID);
    return id;
  }

  generateSpanId(): string {
    let id: string;
    do id = this.#take(16);
    while (id === ZERO_SPAN_ID);
    return id;
  }

  #take(chars: number): string {
    if (this.#at + chars > this.#hex.length) {
      randomFillSync(this.#bytes);
      this.#hex = this.#bytes.toString('hex');
      this.#at = 0;
    }
    const id = this.#hex.slice(this.#at, this.#at + chars);
    this.#at += chars;
    return id;
  }
}
