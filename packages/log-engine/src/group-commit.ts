/**
 * Group commit: requests that arrive while a commit (its write and fsync) is in flight wait in a queue and are
 * committed together by the next one, so N concurrent writers share one fsync instead of paying N. Commits run
 * one at a time, in arrival order; a request's promise settles only when the commit holding it finished.
 */

export interface GroupCommitOptions<Req, Res> {
  /** Most requests per commit: 1 gives one commit per request (fsync-per-write). */
  readonly maxRequests: number;
  /** Stop adding requests to a group once their estimated size reaches this (one request always fits). */
  readonly maxGroupBytes: number;
  /** Estimated bytes a request will write. */
  readonly sizeOf: (req: Req) => number;
  /** Requests that must be committed in a group of their own (e.g. a purge, which reads the whole table). */
  readonly alone: (req: Req) => boolean;
  /** Commits a group; returns one result per request, in order. A throw fails every request of the group. */
  readonly commit: (group: readonly Req[]) => Promise<Res[]>;
}

interface Waiting<Req, Res> {
  readonly req: Req;
  readonly resolve: (res: Res) => void;
  readonly reject: (err: unknown) => void;
}

export class GroupCommit<Req, Res> {
  private queue: Waiting<Req, Res>[] = [];
  private draining: Promise<void> | undefined;

  constructor(private readonly options: GroupCommitOptions<Req, Res>) {}

  /** Queues a request; resolves with its result once the group holding it is committed. */
  submit(req: Req): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      this.queue.push({ req, resolve, reject });
      this.draining ??= this.drain();
    });
  }

  /** Resolves when every request submitted so far has settled. */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    // Let the requests of the current macrotask join the first group too.
    await Promise.resolve();
    try {
      while (this.queue.length > 0) {
        const group = this.takeGroup();
        try {
          const results = await this.options.commit(group.map((w) => w.req));
          group.forEach((w, i) => {
            w.resolve(results[i] as Res);
          });
        } catch (err) {
          for (const w of group) w.reject(err);
        }
      }
    } finally {
      this.draining = undefined;
    }
  }

  private takeGroup(): Waiting<Req, Res>[] {
    const { maxRequests, maxGroupBytes, sizeOf, alone } = this.options;
    const first = this.queue[0] as Waiting<Req, Res>;
    let count = 1;
    if (!alone(first.req)) {
      let bytes = sizeOf(first.req);
      while (count < this.queue.length && count < maxRequests && bytes < maxGroupBytes) {
        const next = this.queue[count] as Waiting<Req, Res>;
        if (alone(next.req)) break;
        bytes += sizeOf(next.req);
        count += 1;
      }
    }
    return this.queue.splice(0, count);
  }
}
