/** What a candidate sequencer does next. */
export type TakeoverStep =
  /** Some live member has not answered `sync` yet: ask again. */
  | { readonly kind: 'ask' }
  /** Every answer is in (or the wait is over): collect numbers up to `needed` from whoever holds them. */
  | { readonly kind: 'fetch'; readonly needed: number }
  /** Start numbering: everything up to `needed` is held, or what is still missing is to be filled with NOOPs. */
  | { readonly kind: 'done'; readonly needed: number };

/**
 * The state of one takeover by this node: whose `sync` it waits for, what they reported, and when to stop waiting.
 * Each wait is bounded by the failure timeout, so a takeover always ends.
 */
export class Takeover {
  private readonly syncs = new Map<string, number>();
  private fetchStartedAt: number | undefined;

  constructor(
    private readonly startedAt: number,
    /** Members alive when the takeover began, the failed sequencer excluded. */
    private readonly waitFor: ReadonlySet<string>,
    self: string,
    ownHigh: number,
    private readonly timeoutMs: number,
  ) {
    this.syncs.set(self, ownHigh);
  }

  /** Member `from` holds numbers up to `high` (with possible gaps). Answers from outside `waitFor` count too. */
  recordSync(from: string, high: number): void {
    this.syncs.set(from, high);
  }

  step(now: number, delivered: number, alive: (id: string) => boolean): TakeoverStep {
    const silent = [...this.waitFor].some((id) => !this.syncs.has(id) && alive(id));
    if (silent && now - this.startedAt < this.timeoutMs) return { kind: 'ask' };
    const needed = Math.max(...this.syncs.values());
    if (delivered >= needed) return { kind: 'done', needed };
    this.fetchStartedAt ??= now;
    // A number no live member supplied within a failure timeout was seen only by the failed sequencer.
    return now - this.fetchStartedAt < this.timeoutMs ? { kind: 'fetch', needed } : { kind: 'done', needed };
  }
}
