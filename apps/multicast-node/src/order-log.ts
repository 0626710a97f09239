import { type Delivery, originKey } from './ordering.js';
import type { Command, Origin } from './wire.js';

/** One numbered command. */
export interface LogEntry {
  readonly origin: Origin;
  readonly cmd: Command;
  /** Epoch of the sequencer that assigned the number; kept so a retransmission is the same order. */
  readonly epoch: number;
}

/**
 * The numbered commands a `total` member holds, and how far it has delivered them: strictly by number, each
 * command once. Numbers may arrive in any order and with gaps; nothing past a gap is delivered.
 */
export class OrderLog {
  private readonly entries = new Map<number, LogEntry>();
  private highest = 0;
  private deliveredUpTo = 0;
  /** `from/inc` → highest `seq` of that sender present: the sequencer numbers each sender's commands in FIFO order. */
  private readonly senderHigh = new Map<string, number>();
  private readonly deliveredOrigins = new Set<string>();

  /** The highest number held (there may be gaps below it). */
  get high(): number {
    return this.highest;
  }

  /** Every number in `1..delivered` is held and was handed up. */
  get delivered(): number {
    return this.deliveredUpTo;
  }

  has(gseq: number): boolean {
    return this.entries.has(gseq);
  }

  get(gseq: number): LogEntry | undefined {
    return this.entries.get(gseq);
  }

  /** Own entries of an incarnation, for resending after a reset. */
  *from(nodeId: string, incarnation: string): Iterable<LogEntry> {
    for (const e of this.entries.values()) if (e.origin.from === nodeId && e.origin.inc === incarnation) yield e;
  }

  /** The sequence number the sequencer expects next from this sender. */
  nextSeqOf(from: string, inc: string): number {
    return (this.senderHigh.get(`${from}/${inc}`) ?? 0) + 1;
  }

  /** Stores entry `gseq`; numbers are immutable, so a second entry for a held number is ignored (false). */
  insert(gseq: number, entry: LogEntry): boolean {
    if (this.entries.has(gseq)) return false;
    this.entries.set(gseq, entry);
    if (gseq > this.highest) this.highest = gseq;
    const sender = `${entry.origin.from}/${entry.origin.inc}`;
    if (entry.origin.seq > (this.senderHigh.get(sender) ?? 0)) this.senderHigh.set(sender, entry.origin.seq);
    return true;
  }

  /** Hands up every entry now contiguous with what was delivered. */
  deliverReady(deliver: (delivery: Delivery) => void): void {
    for (let e = this.entries.get(this.deliveredUpTo + 1); e; e = this.entries.get(this.deliveredUpTo + 1)) {
      this.deliveredUpTo++;
      if (e.cmd.op === 'NOOP') continue;
      const key = originKey(e.origin);
      // The same command under two numbers (re-sent across a failover) is applied once, at its first number.
      if (this.deliveredOrigins.has(key)) continue;
      this.deliveredOrigins.add(key);
      deliver({ origin: e.origin, cmd: e.cmd, gseq: this.deliveredUpTo });
    }
  }

  clear(): void {
    this.entries.clear();
    this.highest = 0;
    this.deliveredUpTo = 0;
    this.senderHigh.clear();
    this.deliveredOrigins.clear();
  }
}
