import type { LogEntry } from './order-log.js';
import { MAX_ORDER_ENTRIES, type OrderEntry } from './wire.js';

// Upper bounds of an order's JSON around its entries, and of an entry around its command (ids ≤ 64 characters),
// so a batch never exceeds the datagram limit.
const ORDER_HEADER_BYTES = 200;
const ENTRY_OVERHEAD_BYTES = 200;

/** Room an order needs around one command: a command within `maxDatagramBytes` minus this can always be ordered. */
export const ORDER_OVERHEAD_BYTES = ORDER_HEADER_BYTES + ENTRY_OVERHEAD_BYTES;

export interface OrderBatch {
  readonly epoch: number;
  /** Number of `entries[0]`; the others follow without gaps. */
  readonly gseq: number;
  readonly entries: OrderEntry[];
}

/**
 * Packs consecutive orders of one epoch into one datagram until it is full; a batch leaves at the end of the
 * current event-loop turn, after every datagram that arrived in the same turn was numbered. This is what keeps
 * `total` within reach of `none`'s throughput: one `order` datagram per turn rather than per command.
 */
export class OrderBatcher {
  private open: (OrderBatch & { bytes: number }) | undefined;

  constructor(
    private readonly maxDatagramBytes: number,
    private readonly send: (batch: OrderBatch) => void,
  ) {}

  add(gseq: number, entry: LogEntry): void {
    const bytes = Buffer.byteLength(JSON.stringify(entry.cmd)) + ENTRY_OVERHEAD_BYTES;
    const batch = this.open;
    if (
      batch &&
      (batch.epoch !== entry.epoch ||
        batch.gseq + batch.entries.length !== gseq ||
        batch.entries.length >= MAX_ORDER_ENTRIES ||
        batch.bytes + bytes > this.maxDatagramBytes)
    ) {
      this.flush();
    }
    if (!this.open) {
      this.open = { epoch: entry.epoch, gseq, entries: [], bytes: ORDER_HEADER_BYTES };
      setImmediate(() => this.flush());
    }
    this.open.entries.push({ origin: entry.origin, cmd: entry.cmd });
    this.open.bytes += bytes;
  }

  /** Sends the open batch now. */
  flush(): void {
    const batch = this.open;
    this.open = undefined;
    if (batch) this.send({ epoch: batch.epoch, gseq: batch.gseq, entries: batch.entries });
  }

  /** Drops the open batch unsent. */
  discard(): void {
    this.open = undefined;
  }
}
