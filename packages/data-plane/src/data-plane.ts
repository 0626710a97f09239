import {
  type ChangeListener,
  compareStamps,
  decodeCursor,
  encodeCursor,
  type HybridClock,
  KvError,
  type KvLimits,
  type KvReader,
  type KvRecord,
  type Mutation,
  type Stamp,
  type Version,
  validateKey,
  validatePrefix,
  validateValue,
} from '@kverse/kv-core';
import type { WatchFilter, WatchHub, WatchOptions, WatchSink, WatchSubscription } from './watch-hub.js';
import type { WritePath } from './write-path.js';

/** Where applied changes come from: the engine itself (embedded) or the `kv.changes` stream (distributed). */
export interface ChangeSource {
  onApplied(listener: ChangeListener): () => void;
  /**
   * Writes settled without taking effect because a newer write of the key was already stored (asynchronous path
   * only). They end `?wait=applied` waits but are not watch events.
   */
  onSuperseded?(listener: ChangeListener): () => void;
}

export interface DataPlaneParts {
  /** Reads: the engine, or the cache in front of it. */
  readonly reader: KvReader;
  readonly writePath: WritePath;
  readonly changes: ChangeSource;
  readonly hub: WatchHub;
  readonly clock: HybridClock;
  readonly limits: KvLimits;
}

export interface WriteOptions {
  /** Wait until the write is applied (read-your-writes), at most this long. */
  readonly waitAppliedMs?: number;
}

export interface WriteResult {
  readonly key: string;
  readonly version: Version;
  /** True when the write is known to be applied (always after a successful wait). */
  readonly applied: boolean;
}

export interface ListRequest {
  readonly prefix?: string;
  readonly limit: number;
  readonly cursor?: string;
}

export interface ListResult {
  readonly records: readonly KvRecord[];
  /** Pass back as `cursor` for the next page; undefined on the last page. */
  readonly cursor?: string;
}

type Waiter = { readonly stamp: Stamp; readonly resolve: () => void };

/**
 * The one data plane behind every front door (REST, gRPC): validates, stamps writes with a hybrid-logical-clock
 * version, hands them to the write path, reads through the reader, and serves watches and read-your-writes from the
 * change stream. Front doors translate protocols only; every rule lives here.
 */
export class DataPlane {
  private readonly waiters = new Map<string, Waiter[]>();
  private readonly unsubscribe: Array<() => void>;

  constructor(private readonly parts: DataPlaneParts) {
    this.unsubscribe = [parts.changes.onApplied((changes) => this.onApplied(changes))];
    const superseded = parts.changes.onSuperseded?.((writes) => this.settle(writes));
    if (superseded) this.unsubscribe.push(superseded);
  }

  get limits(): KvLimits {
    return this.parts.limits;
  }

  get watchers(): number {
    return this.parts.hub.size;
  }

  async get(key: string): Promise<KvRecord | undefined> {
    validateKey(key, this.parts.limits);
    return this.parts.reader.get(key);
  }

  /** Like {@link get}, but a missing key is KV_ERR_NOT_FOUND. */
  async mustGet(key: string): Promise<KvRecord> {
    const record = await this.get(key);
    if (!record) throw new KvError('KV_ERR_NOT_FOUND', `key not found: ${key}`);
    return record;
  }

  async list(request: ListRequest): Promise<ListResult> {
    const prefix = request.prefix ?? '';
    validatePrefix(prefix, this.parts.limits);
    let after: string | undefined;
    if (request.cursor !== undefined) {
      after = decodeCursor(request.cursor);
      if (after === undefined || !after.startsWith(prefix)) {
        throw new KvError('KV_ERR_INVALID_CURSOR', 'cursor is not one returned by a previous list with this prefix');
      }
    }
    const page = await this.parts.reader.list({ prefix, limit: request.limit, ...(after ? { after } : {}) });
    return page.nextAfter === undefined
      ? { records: page.records }
      : { records: page.records, cursor: encodeCursor(page.nextAfter) };
  }

  put(key: string, value: string, options: WriteOptions = {}): Promise<WriteResult> {
    validateKey(key, this.parts.limits);
    validateValue(value, this.parts.limits);
    const stamp = this.parts.clock.next();
    return this.write({ op: 'put', key, value, ...stamp, timestamp: Date.now() }, options);
  }

  /** Deletes a key. A key that does not exist is KV_ERR_NOT_FOUND (checked by a read before the delete is queued). */
  async delete(key: string, options: WriteOptions = {}): Promise<WriteResult> {
    await this.mustGet(key);
    const stamp = this.parts.clock.next();
    return this.write({ op: 'delete', key, ...stamp, timestamp: Date.now() }, options);
  }

  /** Starts a watch; see {@link WatchHub.watch}. */
  watch(filter: WatchFilter, sink: WatchSink, options: WatchOptions = {}): WatchSubscription {
    if ('key' in filter) validateKey(filter.key, this.parts.limits);
    else validatePrefix(filter.prefix, this.parts.limits);
    return this.parts.hub.watch(filter, sink, options);
  }

  async close(): Promise<void> {
    for (const off of this.unsubscribe) off();
    this.parts.hub.closeAll(new KvError('KV_ERR_SHUTTING_DOWN', 'the server is shutting down; reconnect to resume'));
    await this.parts.writePath.close();
  }

  private async write(mutation: Mutation, options: WriteOptions): Promise<WriteResult> {
    const wait = options.waitAppliedMs;
    // Register before submitting: on the asynchronous path the change can be applied before submit() returns.
    const applied = wait === undefined ? undefined : this.waitFor(mutation.key, mutation);
    const result = await this.parts.writePath.submit(mutation);
    const done = { key: mutation.key, version: mutation.version };
    if (result.applied || applied === undefined) {
      if (applied) this.dropWaiter(mutation.key, applied.waiter);
      return { ...done, applied: result.applied };
    }
    const ok = await Promise.race([applied.promise, sleep(wait ?? 0).then(() => false)]);
    this.dropWaiter(mutation.key, applied.waiter);
    if (!ok) {
      throw new KvError(
        'KV_ERR_TIMEOUT',
        `write accepted (version ${mutation.version}) but not applied within ${wait} ms`,
        {
          details: { version: mutation.version.toString() },
        },
      );
    }
    return { ...done, applied: true };
  }

  private waitFor(key: string, stamp: Stamp): { promise: Promise<boolean>; waiter: Waiter } {
    let waiter!: Waiter;
    const promise = new Promise<boolean>((resolve) => {
      waiter = { stamp: { version: stamp.version, writer: stamp.writer }, resolve: () => resolve(true) };
    });
    const list = this.waiters.get(key);
    if (list) list.push(waiter);
    else this.waiters.set(key, [waiter]);
    return { promise, waiter };
  }

  private dropWaiter(key: string, waiter: Waiter): void {
    const list = this.waiters.get(key);
    if (!list) return;
    const rest = list.filter((w) => w !== waiter);
    if (rest.length === 0) this.waiters.delete(key);
    else this.waiters.set(key, rest);
  }

  private onApplied(changes: readonly Mutation[]): void {
    this.settle(changes);
    this.parts.hub.publish(changes);
  }

  /** Ends the waits these settled writes satisfy. */
  private settle(changes: readonly Mutation[]): void {
    for (const change of changes) {
      this.parts.clock.observe(change.version);
      const list = this.waiters.get(change.key);
      if (list) for (const w of list) if (compareStamps(change, w.stamp) >= 0) w.resolve();
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
