import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { ReceiveHandler, Transport } from './transport.js';

export interface FaultOptions {
  /** Probability that a received datagram is discarded. */
  readonly drop: number;
  /** Probability that a received datagram is handed up twice. */
  readonly duplicate: number;
  /** Probability that a received datagram is held back up to `maxDelayMs`, so later ones overtake it. */
  readonly reorder: number;
  /** Longest hold-back of a reordered datagram. */
  readonly maxDelayMs: number;
  /** Seed of the random generator: the same seed gives the same sequence of decisions. */
  readonly seed: number;
}

/** What a {@link FaultTransport} did, for assertions that the faults really happened. */
export interface FaultCounts {
  received: number;
  dropped: number;
  duplicated: number;
  reordered: number;
}

/**
 * Wraps a transport and damages what it receives — drops, duplicates, delays — with decisions drawn from a seeded
 * generator. The kernel here has no netem qdisc, so tests and the lab inject reordering and duplication with this
 * wrapper (and loss with iptables or this wrapper). Sending is untouched: every receiver damages its own copy,
 * which is what a network does to a multicast datagram.
 */
export class FaultTransport implements Transport {
  readonly counts: FaultCounts = { received: 0, dropped: 0, duplicated: 0, reordered: 0 };
  private readonly rng;
  private readonly timers = new Set<NodeJS.Timeout>();
  private handler: ReceiveHandler | undefined;

  constructor(
    private readonly inner: Transport,
    private readonly options: FaultOptions,
  ) {
    this.rng = xoroshiro128plus(options.seed);
    inner.onReceive((datagram, from) => this.receive(datagram, from));
  }

  broadcast(datagram: Buffer): void {
    this.inner.broadcast(datagram);
  }

  onReceive(handler: ReceiveHandler): void {
    this.handler = handler;
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await this.inner.close();
  }

  describe(): string {
    const { drop, duplicate, reorder, seed } = this.options;
    return `${this.inner.describe()} with faults drop=${drop} duplicate=${duplicate} reorder=${reorder} seed=${seed}`;
  }

  private receive(datagram: Buffer, from: string): void {
    this.counts.received++;
    // Always draw the same number of values per datagram, so one decision does not shift the others.
    const [dropDraw, dupDraw, reorderDraw, delayDraw] = [0, 0, 0, 0].map(() => uniformFloat64(this.rng)) as [
      number,
      number,
      number,
      number,
    ];
    if (dropDraw < this.options.drop) {
      this.counts.dropped++;
      return;
    }
    const copies = dupDraw < this.options.duplicate ? 2 : 1;
    if (copies === 2) this.counts.duplicated++;
    for (let i = 0; i < copies; i++) {
      if (reorderDraw < this.options.reorder && this.options.maxDelayMs > 0) {
        if (i === 0) this.counts.reordered++;
        const delay = 1 + Math.floor(delayDraw * this.options.maxDelayMs);
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          this.handler?.(datagram, from);
        }, delay);
        this.timers.add(timer);
      } else {
        this.handler?.(datagram, from);
      }
    }
  }
}

/** True when `options` would change anything, so callers can skip the wrapper. */
export function hasFaults(options: Pick<FaultOptions, 'drop' | 'duplicate' | 'reorder'>): boolean {
  return options.drop > 0 || options.duplicate > 0 || options.reorder > 0;
}
