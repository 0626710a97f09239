import {
  type ApplyOutcome,
  type ChangeListener,
  decodeCursor,
  encodeCursor,
  type HybridClock,
  KvError,
  type KvLimits,
  type KvReader,
  type KvRecord,
  MAX_TXN_OPS,
  type Mutation,
  type Precondition,
  type Settlement,
  type Stamp,
  stampId,
  type Transaction,
  type Version,
  validateKey,
  validatePrefix,
  validateValue,
  validateWrite,
  versionMillis,
  type Write,
} from '@kverse/kv-core';
import type { WatchFilter, WatchHub, WatchOptions, WatchSink, WatchSubscription } from './watch-hub.js';
import type { WritePath } from './write-path.js';

/** Where applied changes come from: the engine itself (embedded) or the `kv.changes` stream (distributed). */
export interface ChangeSource {
  onApplied(listener: ChangeListener): () => void;
  /**
   * The outcome of every write applied elsewhere (asynchronous path only): ends `?wait=applied` waits. Absent on the
   * embedded path, where `submit` itself returns the outcome.
   */
  onSettled?(listener: (settled: readonly Settlement[]) => void): () => void;
  /**
   * The stream lost its connection (`false`: changes applied from then until it is back may never arrive) or has it
   * again (`true`). Absent where no change can be lost (the embedded engine's own notifications).
   */
  onConnection?(listener: (connected: boolean) => void): () => void;
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
  /**
   * Apply only if this holds when the write is applied (`If-Match` / `If-None-Match: *`). On the asynchronous path
   * the check happens in the consumer: without a wait the caller learns only that the write was queued.
   */
  readonly condition?: Precondition;
}

export interface PutOptions extends WriteOptions {
  /** Time to live in whole seconds, 1..{@link MAX_TTL_SECONDS}: the key expires that long after the write. */
  readonly ttlSeconds?: number;
}

/** Longest TTL a write may ask for: ten years. */
export const MAX_TTL_SECONDS = 10 * 365 * 24 * 3600;

export interface WriteResult {
  readonly key: string;
  /** The version the write got: the key's new version once applied. */
  readonly version: Version;
  /** True when the write is known to be applied (always after a successful wait). */
  readonly applied: boolean;
  /** When known: `applied`, or `superseded` (a newer write of the key was already stored — it wins). */
  readonly outcome?: Exclude<ApplyOutcome, 'failed'>;
  /** Set when the put had a TTL. */
  readonly expiresAt?: number;
}

/** One operation of a transaction. */
export type TxnOperation =
  | { readonly op: 'put'; readonly key: string; readonly value: string; readonly ttlSeconds?: number }
  | { readonly op: 'delete'; readonly key: string };

export interface TxnRequest {
  /** All must hold when the transaction is applied, or nothing is written (KV_ERR_PRECONDITION_FAILED). */
  readonly compares?: ReadonlyArray<{ readonly key: string; readonly condition: Precondition }>;
  /** 1..{@link MAX_TXN_OPS} puts and deletes of distinct keys, applied all together. */
  readonly operations: readonly TxnOperation[];
}

export interface TxnResult {
  /** The version every write of the transaction carries. */
  readonly version: Version;
  readonly applied: boolean;
  readonly outcome?: Exclude<ApplyOutcome, 'failed'>;
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

/** How far ahead of wall time a version in a condition may be: more than any clock skew between writers. */
const MAX_CONDITION_LEAD_MS = 60 * 60 * 1000;

/** Why watches end, and are refused, while the change stream is down. */
const CHANGE_STREAM_INTERRUPTED = new KvError(
  'KV_ERR_UNAVAILABLE',
  'the change stream was interrupted, so changes made meanwhile may not be delivered; re-read the current state and watch again',
  { retryAfterSeconds: 1 },
);

/** Largest number of keys in one bulk get. */
export const MAX_BULK_KEYS = 1000;

/**
 * The one data plane behind every front door (REST, gRPC): validates, stamps writes with a hybrid-logical-clock
 * version, hands them to the write path, reads through the reader, and serves watches and read-your-writes from the
 * change stream. Front doors translate protocols only; every rule lives here.
 */
export class DataPlane {
  /** `?wait=applied` waits by the stamp of the write they wait for. */
  private readonly waiters = new Map<string, (outcome: ApplyOutcome) => void>();
  private readonly unsubscribe: Array<() => void>;

  constructor(private readonly parts: DataPlaneParts) {
    this.unsubscribe = [parts.changes.onApplied((changes) => this.onApplied(changes))];
    const settled = parts.changes.onSettled?.((s) => this.settle(s));
    if (settled) this.unsubscribe.push(settled);
    const connection = parts.changes.onConnection?.((connected) => {
      if (connected) parts.hub.restart();
      else parts.hub.interrupt(CHANGE_STREAM_INTERRUPTED);
    });
    if (connection) this.unsubscribe.push(connection);
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

  /**
   * Reads up to {@link MAX_BULK_KEYS} keys from one consistent view of the engine (not the cache): a transaction is
   * wholly visible or not at all. Missing keys are undefined, in the order asked.
   */
  async getMany(keys: readonly string[]): Promise<Array<KvRecord | undefined>> {
    if (keys.length > MAX_BULK_KEYS) {
      throw new KvError('KV_ERR_INVALID_ARGUMENT', `a bulk get takes at most ${MAX_BULK_KEYS} keys`, {
        details: { limit: MAX_BULK_KEYS },
      });
    }
    for (const key of keys) validateKey(key, this.parts.limits);
    return this.parts.reader.getMany(keys);
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

  /**
   * Writes a value. With `condition`, the write is applied only if the condition holds at that moment; a failed
   * condition is KV_ERR_PRECONDITION_FAILED when the outcome is known here (embedded path, or with a wait).
   */
  put(key: string, value: string, options: PutOptions = {}): Promise<WriteResult> {
    validateKey(key, this.parts.limits);
    validateValue(value, this.parts.limits);
    const stamp = this.stamp(options.condition);
    const timestamp = Date.now();
    const expiresAt = expiryOf(options.ttlSeconds, timestamp);
    const condition = options.condition === undefined ? {} : { condition: options.condition };
    const ttl = expiresAt === undefined ? {} : { expiresAt };
    return this.write({ op: 'put', key, value, ...stamp, timestamp, ...condition, ...ttl }, key, options);
  }

  /**
   * Deletes a key. Without a condition, a key that does not exist is KV_ERR_NOT_FOUND (checked by a read before the
   * delete is queued); with `{ version }` the check happens where the delete is applied, like a conditional put.
   */
  async delete(key: string, options: WriteOptions = {}): Promise<WriteResult> {
    const { condition } = options;
    if (condition === undefined) await this.mustGet(key);
    else if ('absent' in condition) {
      throw new KvError('KV_ERR_INVALID_ARGUMENT', 'a delete cannot require the key to be absent (If-None-Match)');
    } else validateKey(key, this.parts.limits);
    const stamp = this.stamp(condition);
    const mutation: Mutation = {
      op: 'delete',
      key,
      ...stamp,
      timestamp: Date.now(),
      ...(condition === undefined ? {} : { condition }),
    };
    return this.write(mutation, key, options);
  }

  /**
   * Applies puts and deletes of distinct keys atomically, if every compare holds when the transaction is applied:
   * all of them become visible at once, with one version, or none does (KV_ERR_PRECONDITION_FAILED).
   */
  async transact(request: TxnRequest, options: Omit<WriteOptions, 'condition'> = {}): Promise<TxnResult> {
    const compares = request.compares ?? [];
    // Observe every compared version first, so the transaction's version is above each of them.
    for (const c of compares) if ('version' in c.condition) this.observeCondition(c.condition.version);
    const stamp = this.parts.clock.next();
    const timestamp = Date.now();
    const mutations = request.operations.map((o): Mutation => {
      if (o.op === 'delete') return { op: 'delete', key: o.key, ...stamp, timestamp };
      if (o.op !== 'put') throw new KvError('KV_ERR_INVALID_ARGUMENT', 'an operation is a put or a delete');
      const expiresAt = expiryOf(o.ttlSeconds, timestamp);
      return { op: 'put', key: o.key, value: o.value, ...stamp, timestamp, ...(expiresAt ? { expiresAt } : {}) };
    });
    const txn: Transaction = { op: 'txn', ...stamp, timestamp, compares, mutations };
    // The same rules the engine applies (sizes, keys, values, distinct keys); here, so the asynchronous path refuses
    // a bad transaction at the front door instead of a consumer dead-lettering it.
    validateWrite(txn, this.parts.limits);
    const result = await this.write(txn, undefined, options);
    return {
      version: result.version,
      applied: result.applied,
      ...(result.outcome ? { outcome: result.outcome } : {}),
    };
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

  /** A stamp above the version a condition names, so a write made after reading version v always sorts after v. */
  private stamp(condition: Precondition | undefined): Stamp {
    if (condition !== undefined && 'version' in condition) this.observeCondition(condition.version);
    return this.parts.clock.next();
  }

  /**
   * Absorbs a version a client names in a condition. A client can send any number, and the clock keeps the largest
   * it observes: a version far ahead of wall time would push every later version there (or past the 63-bit limit,
   * failing every write). No writer can have minted such a version, so it is refused instead.
   */
  private observeCondition(version: Version): void {
    if (versionMillis(version) > Date.now() + MAX_CONDITION_LEAD_MS) {
      throw new KvError('KV_ERR_INVALID_ARGUMENT', `version ${version} is ahead of the clock: no write has it`, {
        details: { version: version.toString() },
      });
    }
    this.parts.clock.observe(version);
  }

  private async write(write: Write, key: string | undefined, options: WriteOptions): Promise<WriteResult> {
    const wait = options.waitAppliedMs;
    const id = stampId(write);
    let timer: NodeJS.Timeout | undefined;
    // Register before submitting: on the asynchronous path the outcome can arrive before submit() returns.
    const settled =
      wait === undefined
        ? undefined
        : new Promise<ApplyOutcome | undefined>((resolve) => {
            this.waiters.set(id, resolve);
            timer = setTimeout(() => resolve(undefined), wait);
          });
    try {
      let { outcome } = await this.parts.writePath.submit(write);
      if (outcome === undefined && settled) {
        outcome = await settled;
        if (outcome === undefined) {
          throw new KvError(
            'KV_ERR_TIMEOUT',
            `write accepted (version ${write.version}) but not applied within ${wait} ms`,
            { details: { version: write.version.toString() } },
          );
        }
      }
      if (outcome === 'failed') {
        throw new KvError(
          'KV_ERR_PRECONDITION_FAILED',
          write.op === 'txn'
            ? 'a compare of the transaction did not hold; nothing was written'
            : `the condition on ${JSON.stringify(key)} did not hold; nothing was written`,
          { details: { version: write.version.toString() } },
        );
      }
      const expiresAt = write.op === 'put' ? write.expiresAt : undefined;
      return {
        key: key ?? '',
        version: write.version,
        applied: outcome !== undefined,
        ...(outcome === undefined ? {} : { outcome }),
        ...(expiresAt === undefined ? {} : { expiresAt }),
      };
    } finally {
      clearTimeout(timer);
      this.waiters.delete(id);
    }
  }

  private onApplied(changes: readonly Mutation[]): void {
    for (const change of changes) this.parts.clock.observe(change.version);
    this.parts.hub.publish(changes);
  }

  /** Ends the waits of these settled writes. */
  private settle(settled: readonly Settlement[]): void {
    for (const s of settled) {
      this.parts.clock.observe(s.version);
      this.waiters.get(stampId(s))?.(s.outcome);
    }
  }
}

/** The expiry time of a write with a TTL, after checking the TTL. */
function expiryOf(ttlSeconds: number | undefined, timestamp: number): number | undefined {
  if (ttlSeconds === undefined) return undefined;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_TTL_SECONDS) {
    throw new KvError('KV_ERR_INVALID_ARGUMENT', `ttl must be a whole number of seconds from 1 to ${MAX_TTL_SECONDS}`);
  }
  return timestamp + ttlSeconds * 1000;
}
