/**
 * Group commit with pipelining. Requests are written to the log as soon as they arrive (`prepare`: decide, encode,
 * copy into the page cache — synchronous, so the file always holds whole groups between event-loop turns), while
 * one fdatasync at a time (`sync`) makes everything written before it started durable. Requests that arrive while
 * an fsync is in flight are written meanwhile and all share the next one; each is acknowledged (`finish`, then its
 * promise resolves) only after an fsync that started after its write.
 *
 *   requests ─► waiting ─prepare─► written ─sync─► finish ─► resolve
 *
 * Barriers (a purge, an explicit snapshot) and drains (rotation, periodic snapshots) need a quiet log: preparing
 * stops, the written groups are synced and finished, then the barrier runs alone.
 */

export interface GroupCommitOptions<Req, Res, Prepared> {
  /** Most requests per prepared group: 1 gives one group per request. */
  readonly maxRequests: number;
  /** Stop adding requests to a group once their estimated size reaches this (one request always fits). */
  readonly maxGroupBytes: number;
  /**
   * Prepare the next group while an fsync is in flight. Off for fsync-per-write, where each request must have the
   * log to itself from write to fsync.
   */
  readonly overlap: boolean;
  /** Estimated bytes a request will write. */
  readonly sizeOf: (req: Req) => number;
  /** Requests that run alone, with nothing written but unsynced (see {@link runBarrier}). */
  readonly isBarrier: (req: Req) => boolean;
  /** Decides and writes a group (not yet durable). Synchronous; a throw stops the pipeline. */
  readonly prepare: (group: readonly Req[]) => Prepared;
  /** Makes everything prepared so far durable. A rejection stops the pipeline. */
  readonly sync: () => Promise<void>;
  /** After a sync covering it: applies a prepared group; returns one result per request, in order. */
  readonly finish: (prepared: Prepared) => Res[];
  /** Runs a barrier request with the log quiet. A rejection stops the pipeline. */
  readonly runBarrier: (req: Req) => Promise<Res>;
  /** Whether maintenance is due (rotation, snapshot): stops preparing until {@link drained} ran. */
  readonly wantsDrain: () => boolean;
  /** Runs the maintenance with the log quiet. A rejection stops the pipeline. */
  readonly drained: () => Promise<void>;
  /** Called once, with the error, when the pipeline stops; every pending and later request fails with it. */
  readonly onFailure: (err: unknown) => unknown;
}

interface Waiting<Req, Res> {
  readonly req: Req;
  readonly resolve: (res: Res) => void;
  readonly reject: (err: unknown) => void;
}

export class GroupCommit<Req, Res, Prepared> {
  private waiting: Waiting<Req, Res>[] = [];
  private written: Array<{ readonly prepared: Prepared; readonly waiters: Waiting<Req, Res>[] }> = [];
  private syncing = false;
  private exclusive = false;
  private scheduled = false;
  private failure: unknown;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly options: GroupCommitOptions<Req, Res, Prepared>) {}

  /** Queues a request; resolves with its result once it is durable and applied. */
  submit(req: Req): Promise<Res> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise<Res>((resolve, reject) => {
      this.waiting.push({ req, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves when every request submitted so far has settled. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private isIdle(): boolean {
    return this.waiting.length === 0 && this.written.length === 0 && !this.syncing && !this.exclusive;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // A microtask later, so the requests of the current turn join one group.
    queueMicrotask(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    if (this.failure !== undefined || this.exclusive) {
      this.settleIdle();
      return;
    }
    const quiet = this.written.length === 0 && !this.syncing;
    const head = this.waiting[0];
    if (head !== undefined && this.options.isBarrier(head.req)) {
      if (quiet) this.runExclusive(() => this.barrier(head));
    } else if (this.options.wantsDrain()) {
      if (quiet) this.runExclusive(() => this.options.drained());
    } else if (this.options.overlap || quiet) {
      this.prepareWaiting();
    }
    this.startSync();
    this.settleIdle();
  }

  /** Prepares waiting requests up to a barrier or a due drain (just one group without overlap). */
  private prepareWaiting(): void {
    do {
      const head = this.waiting[0];
      if (head === undefined || this.options.isBarrier(head.req) || this.options.wantsDrain()) return;
      const group = this.takeGroup();
      try {
        this.written.push({ prepared: this.options.prepare(group.map((w) => w.req)), waiters: group });
      } catch (err) {
        this.fail(err, group);
        return;
      }
    } while (this.options.overlap);
  }

  private async barrier(head: Waiting<Req, Res>): Promise<void> {
    this.waiting.shift();
    try {
      head.resolve(await this.options.runBarrier(head.req));
    } catch (err) {
      this.fail(err, [head]);
    }
  }

  private runExclusive(task: () => Promise<void>): void {
    this.exclusive = true;
    task()
      .catch((err: unknown) => this.fail(err, []))
      .finally(() => {
        this.exclusive = false;
        this.schedule();
      });
  }

  private startSync(): void {
    if (this.syncing || this.written.length === 0 || this.failure !== undefined) return;
    this.syncing = true;
    // Only what is written now is covered by this fsync; groups prepared meanwhile wait for the next.
    const batch = this.written.splice(0);
    this.options.sync().then(
      () => {
        this.syncing = false;
        for (const [i, { prepared, waiters }] of batch.entries()) {
          let results: Res[];
          try {
            results = this.options.finish(prepared);
          } catch (err) {
            this.fail(
              err,
              batch.slice(i).flatMap((b) => b.waiters),
            );
            return;
          }
          waiters.forEach((w, j) => {
            w.resolve(results[j] as Res);
          });
        }
        this.schedule();
      },
      (err: unknown) => {
        this.syncing = false;
        this.fail(
          err,
          batch.flatMap((b) => b.waiters),
        );
      },
    );
  }

  /** Stops the pipeline: fails `current` and everything not yet finished. */
  private fail(err: unknown, current: readonly Waiting<Req, Res>[]): void {
    if (this.failure === undefined) this.failure = this.options.onFailure(err) ?? err;
    const failed = [...current, ...this.written.flatMap((b) => b.waiters), ...this.waiting];
    this.written = [];
    this.waiting = [];
    for (const w of failed) w.reject(this.failure);
    this.settleIdle();
  }

  private settleIdle(): void {
    if (!this.isIdle() && this.failure === undefined) return;
    if (this.syncing || this.exclusive) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private takeGroup(): Waiting<Req, Res>[] {
    const { maxRequests, maxGroupBytes, sizeOf, isBarrier } = this.options;
    let count = 0;
    let bytes = 0;
    while (count < this.waiting.length && count < maxRequests) {
      const next = this.waiting[count] as Waiting<Req, Res>;
      if (isBarrier(next.req)) break;
      // The first request goes whatever its size; a later one only while the group stays within maxGroupBytes.
      const size = sizeOf(next.req);
      if (count > 0 && bytes + size > maxGroupBytes) break;
      bytes += size;
      count += 1;
    }
    return this.waiting.splice(0, count);
  }
}
