/**
 * A heartbeat failure detector: a member is alive while something was heard from it within `timeoutMs`.
 * Everything the `total` protocol decides about failure (when to replace the sequencer, whom to wait for during a
 * takeover, who is the next candidate) reads this table, so its one assumption — a live member is never silent for
 * `timeoutMs` — is stated once.
 */
export class Membership {
  private readonly lastHeard = new Map<string, number>();
  private maxEpoch = 0;

  constructor(
    private readonly self: string,
    private readonly timeoutMs: number,
  ) {}

  /** Records that `id` was heard at `now`, announcing `epoch` if the message carried one. */
  heard(id: string, now: number, epoch?: number): void {
    if (id !== this.self) this.lastHeard.set(id, now);
    if (epoch !== undefined && epoch > this.maxEpoch) this.maxEpoch = epoch;
  }

  /** Moves every last-heard time `ms` later: time this process spent not running does not count as silence. */
  forgive(ms: number): void {
    for (const [id, at] of this.lastHeard) this.lastHeard.set(id, at + ms);
  }

  alive(id: string, now: number): boolean {
    if (id === this.self) return true;
    const at = this.lastHeard.get(id);
    return at !== undefined && now - at <= this.timeoutMs;
  }

  /** Ids of the live members other than this node, sorted. */
  aliveOthers(now: number): string[] {
    return [...this.lastHeard.keys()].filter((id) => this.alive(id, now)).sort();
  }

  /** The highest epoch any message has announced. */
  highestEpoch(): number {
    return this.maxEpoch;
  }
}
