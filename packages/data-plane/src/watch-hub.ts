import { KvError, type Mutation, type Version } from '@kverse/kv-core';

/** Which keys a watcher wants: one key, or every key under a prefix ('' is everything). */
export type WatchFilter = { readonly key: string } | { readonly prefix: string };

/** Where a watcher's events go; each front door adapts its stream (SSE, gRPC) to this. */
export interface WatchSink {
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
  /** Default bound on a watcher's pending changes. @default 1024 */
  readonly maxPending?: number;
}

class Watcher implements WatchSubscription {
  pending: Mutation[] = [];
  congested = false;
  closed = false;
  lastVersion: Version | undefined;

  constructor(
    readonly hub: WatchHub,
    readonly filter: WatchFilter,
    readonly sink: WatchSink,
    readonly maxPending: number,
  ) {}

  matches(key: string): boolean {
    return 'key' in this.filter ? key === this.filter.key : key.startsWith(this.filter.prefix);
  }

  offer(change: Mutation): void {
    if (this.closed || !this.matches(change.key)) return;
    if (this.congested || this.pending.length > 0) {
      this.pending.push(change);
      if (this.pending.length > this.maxPending) this.cutOff();
      return;
    }
    this.deliver(change);
  }

  resume(): void {
    this.congested = false;
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
    this.closed = true;
    this.pending = [];
    this.hub.remove(this);
    const resume = this.lastVersion?.toString();
    this.sink.end(
      new KvError(
        'KV_ERR_SLOW_CONSUMER',
        `watcher fell more than ${this.maxPending} changes behind and was closed; reconnect with fromVersion=${resume ?? 'your last version'}`,
        { details: { resumeFromVersion: resume ?? null } },
      ),
    );
  }
}

/**
 * Fans applied changes out to watchers. Each watcher has a bounded buffer: one that falls further behind than
 * `maxPending` is closed with KV_ERR_SLOW_CONSUMER and the version to resume from, instead of growing memory.
 * The last `retention` changes are kept so a reconnecting watcher can resume; resuming from before that window
 * fails with KV_ERR_COMPACTED.
 *
 * Resume is exact per key (a key's applied versions only grow). Across keys, changes are delivered in the order
 * they were applied, which on the asynchronous path may differ slightly from version order.
 */
export class WatchHub {
  private readonly watchers = new Set<Watcher>();
  // Retained changes are history[start…]; dropping one only moves `start`, and the array is cut down once the dropped
  // prefix outgrows the retained part, so each publish costs O(its changes) instead of shifting the whole history.
  private history: Mutation[] = [];
  private start = 0;
  private readonly retention: number;
  private readonly maxPending: number;
  /** Highest version ever dropped from history; resuming at or below it may miss changes. */
  private compactedThrough: Version = -1n;

  constructor(options: WatchHubOptions = {}) {
    this.retention = options.retention ?? 10_000;
    this.maxPending = options.maxPending ?? 1024;
  }

  /** Number of open watchers. */
  get size(): number {
    return this.watchers.size;
  }

  /** Feeds applied changes, in apply order. */
  publish(changes: readonly Mutation[]): void {
    for (const change of changes) {
      this.history.push(change);
      for (const w of this.watchers) w.offer(change);
    }
    const keepFrom = this.history.length - this.retention;
    for (; this.start < keepFrom; this.start++) {
      const dropped = this.history[this.start]!;
      if (dropped.version > this.compactedThrough) this.compactedThrough = dropped.version;
    }
    if (this.start > 1024 && this.start >= this.history.length - this.start) {
      this.history = this.history.slice(this.start);
      this.start = 0;
    }
  }

  /** Starts a watch. Throws KV_ERR_COMPACTED when `fromVersion` is older than the retained history. */
  watch(filter: WatchFilter, sink: WatchSink, options: WatchOptions = {}): WatchSubscription {
    const from = options.fromVersion;
    if (from !== undefined && from < this.compactedThrough) {
      throw new KvError(
        'KV_ERR_COMPACTED',
        `changes after version ${from} are no longer retained (history starts after ${this.compactedThrough}); re-read the current state and watch again`,
        { details: { compactedThrough: this.compactedThrough.toString() } },
      );
    }
    const watcher = new Watcher(this, filter, sink, options.maxPending ?? this.maxPending);
    this.watchers.add(watcher);
    if (from !== undefined) {
      for (let i = this.start; i < this.history.length; i++) {
        const change = this.history[i]!;
        if (change.version > from) watcher.offer(change);
      }
    }
    return watcher;
  }

  /** Ends every watch (shutdown). */
  closeAll(reason: KvError): void {
    for (const w of [...this.watchers]) {
      w.closed = true;
      this.watchers.delete(w);
      w.sink.end(reason);
    }
  }

  /** @internal */
  remove(watcher: Watcher): void {
    this.watchers.delete(watcher);
  }
}
