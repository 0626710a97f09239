import { compareStamps, KvError, type Mutation, type Stamp, type Version, versionFromParts } from '@kverse/kv-core';

/** Which keys a watcher wants: one key, or every key under a prefix ('' is everything). */
export type WatchFilter = { readonly key: string } | { readonly prefix: string };

/** Where a watcher's events go; each front door adapts its stream (SSE, gRPC) to this. */
export interface WatchSink {
  /**
   * The watch is registered and starts at this version (its `fromVersion`, or the hub's position): called once,
   * before any change. A front door passes it on so a client that sees no change before a disconnect can resume.
   */
  start?(position: Version): void;
  /** Delivers one change. Returns false when the transport is congested; the hub then waits for `resume()`. */
  write(change: Mutation): boolean;
  /** The watch ended: on `close()` (undefined) or with an error (slow consumer, compacted history, shutdown). */
  end(err?: KvError): void;
}

export interface WatchOptions {
  /** Deliver retained changes with a version above this one first (resume after reconnect). */
  readonly fromVersion?: Version;
  /** Most changes that may wait for a congested sink before the watcher is cut off. @default hub default */
  readonly maxPending?: number;
}

export interface WatchSubscription {
  /** The sink can take writes again (its transport drained). */
  resume(): void;
  /** Stops the watch and frees its buffer at once. Idempotent. */
  close(): void;
}

export interface WatchHubOptions {
  /** Recent changes kept for resume. @default 10000 */
  readonly retention?: number;
  /**
   * Most key and value characters the kept changes hold (large values would otherwise make `retention` changes a
   * heap's worth); the oldest go first. @default 64 Mi
   */
  readonly retentionBytes?: number;
  /** Default bound on a watcher's pending changes. @default 1024 */
  readonly maxPending?: number;
  /**
   * The hub is fed every change with a version above this one; resuming from below it is refused (KV_ERR_COMPACTED).
   * @default the current time as a version: a new hub knows nothing that was applied before it existed
   */
  readonly historyFrom?: Version;
}

/** What a retained change counts against `retentionBytes`: its key and value characters. */
const sizeOf = (change: Mutation): number => change.key.length + (change.op === 'put' ? change.value.length : 0);

/** The current wall-clock time as a version: every version minted so far is at or below it (within clock skew). */
const nowAsVersion = (): Version => versionFromParts(Date.now(), 0);

class Watcher implements WatchSubscription {
  pending: Mutation[] = [];
  congested = false;
  closed = false;
  /**
   * While a resumed watch catches up: the arrival number of the next retained change to read from the hub's history
   * (changes published meanwhile are appended there too, so they wait their turn without being buffered here), and
   * the version a change must be above to be delivered (a resume by version, see {@link WatchHub.watch}).
   */
  private catchUp: { next: number; above: Version | undefined } | undefined;

  /** `lastVersion`: where the watch starts; then the version of the last change delivered (where to resume). */
  constructor(
    readonly hub: WatchHub,
    readonly filter: WatchFilter,
    readonly sink: WatchSink,
    readonly maxPending: number,
    public lastVersion: Version,
  ) {}

  matches(key: string): boolean {
    return 'key' in this.filter ? key === this.filter.key : key.startsWith(this.filter.prefix);
  }

  /** Replays the history from arrival `next` on (only changes above `above`, when given), then goes live. */
  replay(next: number, above: Version | undefined): void {
    this.catchUp = { next, above };
    this.resume();
  }

  offer(change: Mutation): void {
    if (this.closed) return;
    if (this.catchUp) {
      // Already in the history this watch is reading: read on if it was waiting for more; if its sink is stalled,
      // end it once the change it has to read next leaves the history.
      if (!this.congested) this.resume();
      else if (this.catchUp.next < this.hub.startArrival) this.cutOff();
      return;
    }
    if (!this.matches(change.key)) return;
    if (this.congested || this.pending.length > 0) {
      this.pending.push(change);
      if (this.pending.length > this.maxPending) this.cutOff();
      return;
    }
    this.deliver(change);
  }

  resume(): void {
    this.congested = false;
    while (!this.closed && !this.congested && this.catchUp) {
      const { next, above } = this.catchUp;
      const change = this.hub.changeAt(next);
      if (change === undefined) {
        // Caught up with the history's end: live from here. Before its start: what it had to read was dropped.
        if (next >= this.hub.endArrival) this.catchUp = undefined;
        else this.cutOff();
        break;
      }
      this.catchUp.next++;
      if (this.matches(change.key) && (above === undefined || change.version > above)) this.deliver(change);
    }
    while (!this.closed && !this.congested && this.pending.length > 0) {
      this.deliver(this.pending.shift()!);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pending = [];
    this.hub.remove(this);
    this.sink.end();
  }

  private deliver(change: Mutation): void {
    this.lastVersion = change.version;
    if (!this.sink.write(change)) this.congested = true;
  }

  private cutOff(): void {
    const resume = this.lastVersion.toString();
    const behind = this.catchUp
      ? `fell behind the ${this.hub.retention} changes kept while catching up`
      : `fell more than ${this.maxPending} changes behind`;
    this.endWith(
      new KvError('KV_ERR_SLOW_CONSUMER', `watcher ${behind} and was closed; reconnect with fromVersion=${resume}`),
    );
  }

  /** Ends the watch with `reason`, telling the client where to resume. */
  endWith(reason: KvError): void {
    this.closed = true;
    this.pending = [];
    this.catchUp = undefined;
    this.hub.remove(this);
    const resumeFromVersion = this.lastVersion.toString();
    this.sink.end(
      new KvError(reason.code, reason.message, {
        details: { ...reason.details, resumeFromVersion },
        ...(reason.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: reason.retryAfterSeconds }),
      }),
    );
  }
}

/**
 * Fans applied changes out to watchers. Each watcher has a bounded buffer: one that falls further behind than
 * `maxPending` is closed with KV_ERR_SLOW_CONSUMER and the version to resume from, instead of growing memory. A
 * resumed watch reads what it missed from the retained history as its sink takes it, buffering nothing: it is closed
 * the same way only if a change it has yet to read leaves the history.
 * The last `retention` changes are kept so a reconnecting watcher can resume; resuming from before that window —
 * or from before the hub was fed every change (it started, or its change stream was interrupted) — fails with
 * KV_ERR_COMPACTED, so a client re-reads instead of silently missing what happened meanwhile.
 *
 * Every watch has a position from its start: the highest version published when it starts fresh, its `fromVersion`
 * when it resumes, then the version of each change delivered. Front doors send the start position to the client
 * (`WatchSink.start`: an SSE `id`, a gRPC header), so a watcher that saw no change yet can still resume, and every end
 * but `close()` carries it.
 *
 * A key's changes reach watchers in version order, each version once: a change at or below the last version
 * published for its key is dropped — a second announcement of the same write (at-least-once after a consumer's
 * crash), or an older write's change arriving after a newer one's (two consumers committing one key in turn, e.g. a
 * transaction routed by another key's partition, publish their changes independently).
 *
 * Across keys, changes arrive roughly, not exactly, in version order (versions are minted before the queue), and
 * are delivered in arrival order. So a resume is placed by arrival: when `fromVersion` is the version of a change
 * this hub still holds — the last one a watcher received, which is what every end reports — the watch replays every
 * change that arrived after it, whatever its version, and misses nothing (it may repeat a change of the same version,
 * e.g. another key of the same transaction); so does the position of a watch that began while the hub held nothing
 * (its floor: everything held arrived later). Either holds only at or above the floor (`compactedThrough`): below
 * it, a held change of that version may be a second announcement after a hole, so such a resume is refused as
 * compacted like any other from below the floor. A `fromVersion` the hub does not hold (a watch resumed on another
 * replica, whose arrival order differs) replays the changes with a higher version: exact for each key, while a
 * change to another key that arrived after a higher version is missed.
 */
export class WatchHub {
  private readonly watchers = new Set<Watcher>();
  // Retained changes are history[start…]; dropping one only moves `start`, and the array is cut down once the dropped
  // prefix outgrows the retained part, so each publish costs O(its changes) instead of shifting the whole history.
  private history: Mutation[] = [];
  private start = 0;
  /**
   * The stamp of each key's last change in the retained history (forgotten when that change leaves it). A stamp, not
   * a version: two writers can mint the same version (the first write of a millisecond), and the store keeps the one
   * with the higher writer id, so a watcher must see that one after the other rather than lose it as a repeat.
   */
  private latest = new Map<string, Stamp>();
  /** Arrival number (counted over every change kept) of each version's first change in the retained history. */
  private arrivalOf = new Map<Version, number>();
  /** Arrival number of `history[0]`. */
  private base = 0;
  /** Changes kept for resume. */
  readonly retention: number;
  private readonly retentionBytes: number;
  /** Key and value characters of the retained changes. */
  private retainedBytes = 0;
  private readonly maxPending: number;
  /** Resuming from below this version may miss changes: the highest dropped from history, or where it begins. */
  private compactedThrough: Version;
  /** Highest version published, or where the history begins if higher. */
  private head: Version;
  /** Set while the hub cannot be fed every change (its change stream is interrupted): new watches are refused. */
  private suspended: KvError | undefined;

  constructor(options: WatchHubOptions = {}) {
    this.retention = options.retention ?? 10_000;
    this.retentionBytes = options.retentionBytes ?? 64 * 1024 * 1024;
    this.maxPending = options.maxPending ?? 1024;
    this.compactedThrough = options.historyFrom ?? nowAsVersion();
    this.head = this.compactedThrough;
  }

  /** Number of open watchers. */
  get size(): number {
    return this.watchers.size;
  }

  /** The retained change with this arrival number; undefined outside the retained history. @internal */
  changeAt(arrival: number): Mutation | undefined {
    const i = arrival - this.base;
    return i >= this.start && i < this.history.length ? this.history[i] : undefined;
  }

  /** The arrival number of the oldest retained change. @internal */
  get startArrival(): number {
    return this.base + this.start;
  }

  /** The arrival number the next change published will have. @internal */
  get endArrival(): number {
    return this.base + this.history.length;
  }

  /** Feeds applied changes, in apply order (a key's stale or repeated changes are dropped: see the class comment). */
  publish(changes: readonly Mutation[]): void {
    for (const change of changes) {
      const last = this.latest.get(change.key);
      if (last !== undefined && compareStamps(change, last) <= 0) continue;
      this.latest.set(change.key, change);
      if (!this.arrivalOf.has(change.version)) this.arrivalOf.set(change.version, this.base + this.history.length);
      this.history.push(change);
      this.retainedBytes += sizeOf(change);
      if (change.version > this.head) this.head = change.version;
      for (const w of this.watchers) w.offer(change);
    }
    const keepFrom = this.history.length - this.retention;
    for (; this.start < this.history.length; this.start++) {
      if (this.start >= keepFrom && this.retainedBytes <= this.retentionBytes) break;
      const dropped = this.history[this.start]!;
      this.retainedBytes -= sizeOf(dropped);
      if (dropped.version > this.compactedThrough) this.compactedThrough = dropped.version;
      if (this.latest.get(dropped.key) === dropped) this.latest.delete(dropped.key);
      if (this.arrivalOf.get(dropped.version) === this.base + this.start) this.arrivalOf.delete(dropped.version);
    }
    if (this.start > 1024 && this.start >= this.history.length - this.start) {
      this.history = this.history.slice(this.start);
      this.base += this.start;
      this.start = 0;
    }
  }

  /**
   * Starts a watch. Throws KV_ERR_COMPACTED when `fromVersion` is older than the retained history, and the reason
   * given to {@link interrupt} while the change stream is interrupted.
   */
  watch(filter: WatchFilter, sink: WatchSink, options: WatchOptions = {}): WatchSubscription {
    if (this.suspended) throw this.suspended;
    const from = options.fromVersion;
    // Below the floor there is a hole or dropped history behind the position, whatever this hub holds now: a change
    // announced again after an interruption (at-least-once) carries the version of one from before it.
    if (from !== undefined && from < this.compactedThrough) {
      throw new KvError(
        'KV_ERR_COMPACTED',
        `changes after version ${from} are no longer retained (history starts after ${this.compactedThrough}); re-read the current state and watch again`,
        { details: { compactedThrough: this.compactedThrough.toString() } },
      );
    }
    // Where the change of that version arrived, when this hub still holds it (see the class comment); a watch that
    // started quiet on a hub holding nothing was placed at the history's floor, and everything held came after it.
    const arrival =
      from === undefined
        ? undefined
        : (this.arrivalOf.get(from) ?? (from === this.compactedThrough ? this.base + this.start - 1 : undefined));
    const watcher = new Watcher(this, filter, sink, options.maxPending ?? this.maxPending, from ?? this.head);
    this.watchers.add(watcher);
    sink.start?.(watcher.lastVersion);
    // The replay reads the history as the sink takes it, so a resume over a long gap is not cut off as slow for
    // the changes it has yet to read; only falling out of retention while catching up ends it.
    if (arrival !== undefined) watcher.replay(arrival + 1, undefined);
    else if (from !== undefined) watcher.replay(this.base + this.start, from);
    return watcher;
  }

  /**
   * The change stream was interrupted: changes applied from now until {@link restart} may never arrive. Ends every
   * watch with `reason` (and where to resume) and refuses new ones with it, instead of leaving watchers open on a
   * stream with a hole in it.
   */
  interrupt(reason: KvError): void {
    this.suspended = reason;
    this.closeAll(reason);
  }

  /**
   * The change stream is back: history begins again at `historyFrom` (the changes before it have a hole after them,
   * so resuming from any of them is refused as compacted), and watches are accepted again.
   */
  restart(historyFrom: Version = nowAsVersion()): void {
    this.history = [];
    this.retainedBytes = 0;
    this.start = 0;
    this.base = 0;
    this.latest = new Map();
    this.arrivalOf = new Map();
    if (historyFrom > this.compactedThrough) this.compactedThrough = historyFrom;
    if (historyFrom > this.head) this.head = historyFrom;
    this.suspended = undefined;
  }

  /** Ends every watch (shutdown), telling each where to resume. */
  closeAll(reason: KvError): void {
    for (const w of [...this.watchers]) w.endWith(reason);
  }

  /** @internal */
  remove(watcher: Watcher): void {
    this.watchers.delete(watcher);
  }
}
