import type { Command } from './wire.js';

/**
 * Retry periods before an unordered command is first sent again. Under load the sequencer may take several retry
 * periods to order a command; resending it sooner only adds copies for the sequencer to discard.
 */
const FIRST_RESEND_RETRIES = 4;

interface Pending {
  readonly cmd: Command;
  nextSendAt: number;
  attempts: number;
}

/**
 * A `total` member's own commands not yet seen numbered, keyed by sequence number, each resent with doubling
 * back-off until it shows up in the log: this repairs a lost `data` datagram and carries commands across a failover.
 */
export class PendingCommands {
  private readonly entries = new Map<number, Pending>();

  constructor(
    private readonly retryMs: number,
    /** Longest wait between resends, so a lost resend is retried well within a failure timeout. */
    private readonly maxBackoffMs: number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** A command just sent. */
  add(seq: number, cmd: Command, now: number): void {
    this.entries.set(seq, { cmd, nextSendAt: now + FIRST_RESEND_RETRIES * this.retryMs, attempts: 0 });
  }

  /** A command to send again at the next resend, unless already pending. */
  restore(seq: number, cmd: Command): void {
    if (!this.entries.has(seq)) this.entries.set(seq, { cmd, nextSendAt: 0, attempts: 0 });
  }

  /** The command was seen numbered. */
  delete(seq: number): void {
    this.entries.delete(seq);
  }

  /** Sends every command whose resend is due (every command if `all`, e.g. for a new sequencer). */
  resend(now: number, all: boolean, send: (seq: number, cmd: Command) => void): void {
    for (const [seq, p] of this.entries) {
      if (!all && now < p.nextSendAt) continue;
      send(seq, p.cmd);
      p.attempts++;
      p.nextSendAt = now + Math.min(this.retryMs * 2 ** p.attempts, this.maxBackoffMs);
    }
  }
}
