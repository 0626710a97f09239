import type { KvReader, KvRecord, ListOptions, ListPage, Mutation, Stamp } from '@kverse/kv-core';
import { Counter, type Logger, type Registry } from '@kverse/runtime';
import { inSpan, KV_SPANS, SpanKind } from '@kverse/telemetry';
import { Redis, type RedisOptions } from 'ioredis';
import { cacheAttributes, tracer } from './tracing.js';
import { VERSIONED_SET_SCRIPT } from './versioned-set.js';

export interface RedisCacheOptions {
  /** `redis://…`; or use `sentinels` + `sentinelName`. */
  readonly url?: string;
  readonly sentinels?: ReadonlyArray<{ host: string; port: number }>;
  /** @default 'kverse' */
  readonly sentinelName?: string;
  /** Prefix of every cache key. @default 'kverse:kv:' */
  readonly prefix?: string;
  /** Lifetime of a cached value. @default 300000 (5 min) */
  readonly ttlMs?: number;
  /** Lifetime of a delete tombstone (long enough to outlive in-flight fills). @default 30000 */
  readonly tombstoneTtlMs?: number;
  /** A Redis command slower than this counts as a failure; the read goes to the engine. @default 250 */
  readonly commandTimeoutMs?: number;
  /**
   * Post-commit updates (`applyChanges`) that failed while Redis was unreachable are kept, newest per key, and sent
   * again once it answers; beyond this many keys the oldest are dropped (their entries then expire by TTL).
   * @default 100000
   */
  readonly maxPendingUpdates?: number;
  readonly metrics?: Registry;
  readonly logger: Logger;
}

/** The `p` field of a live cache entry (see versioned-set.ts). */
interface CachedPayload {
  value: string;
  createdAt: number;
  updatedAt: number;
  expiresAt?: number;
}

type VersionedRedis = Redis & {
  kvVersionedSet(
    key: string,
    version: string,
    writer: string,
    kind: string,
    payload: string,
    ttl: number,
  ): Promise<number>;
};

/**
 * Cache-aside reads in front of any {@link KvReader}. A hit answers from Redis; a miss reads the engine and fills the
 * cache with the version it read, through the versioned script — so the classic stale fill (a reader fills v1 after
 * the writer stored v2) is impossible. `applyChanges` (run by the consumer after each commit) updates entries and
 * leaves versioned tombstones for deletes. Lists go to the engine.
 *
 * Redis trouble never reaches clients: a failed or slow command (no offline queue, short timeout) makes the read go to
 * the engine, counted in `kverse_cache_fallbacks_total`; `/ready` shows it as a non-required check.
 */
export class RedisCache implements KvReader {
  private readonly redis: VersionedRedis;
  private readonly prefix: string;
  private readonly ttlMs: number;
  private readonly tombstoneTtlMs: number;
  private readonly fallbacks: Counter<'op'>;
  private readonly results: Counter<'result'>;
  private readonly logger: Logger;
  private readonly maxPending: number;
  /** Failed post-commit updates, newest stamp per key, re-sent when Redis answers again (see `applyChanges`). */
  private readonly pending = new Map<string, { stamp: Stamp; kind: '1' | '2' }>();
  private retryTimer: NodeJS.Timeout | undefined;
  private flushing = false;
  private closed = false;

  constructor(
    private readonly engine: KvReader,
    options: RedisCacheOptions,
  ) {
    const common: RedisOptions = {
      enableAutoPipelining: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs ?? 250,
      retryStrategy: (times) => Math.min(2000, 50 * 2 ** Math.min(times, 6)),
      lazyConnect: false,
    };
    const redis = options.sentinels?.length
      ? new Redis({ ...common, sentinels: [...options.sentinels], name: options.sentinelName ?? 'kverse' })
      : new Redis(options.url ?? 'redis://127.0.0.1:6379', common);
    redis.on('error', () => undefined); // reported through fallbacks and readiness
    redis.on('ready', () => void this.flushPending());
    redis.defineCommand('kvVersionedSet', { numberOfKeys: 1, lua: VERSIONED_SET_SCRIPT });
    this.redis = redis as VersionedRedis;
    this.prefix = options.prefix ?? 'kverse:kv:';
    this.ttlMs = options.ttlMs ?? 300_000;
    this.tombstoneTtlMs = options.tombstoneTtlMs ?? 30_000;
    this.maxPending = options.maxPendingUpdates ?? 100_000;
    this.logger = options.logger;
    const registers = options.metrics ? [options.metrics] : [];
    this.fallbacks = new Counter({
      name: 'kverse_cache_fallbacks_total',
      help: 'Cache operations that failed (Redis down or slow) and were served by the engine or skipped',
      labelNames: ['op'] as const,
      registers,
    });
    this.results = new Counter({
      name: 'kverse_cache_reads_total',
      help: 'Cache reads by result (hit, miss)',
      labelNames: ['result'] as const,
      registers,
    });
  }

  async get(key: string): Promise<KvRecord | undefined> {
    let entry: Record<string, string> | undefined;
    try {
      entry = await this.redis.hgetall(this.prefix + key);
    } catch {
      this.fallbacks.inc({ op: 'get' });
      return this.engine.get(key);
    }
    if (entry?.v !== undefined && entry.w !== undefined && entry.t !== '2') {
      this.results.inc({ result: 'hit' });
      if (entry.t === '1') return undefined;
      const p = JSON.parse(entry.p ?? '{}') as CachedPayload;
      // The entry's Redis TTL ends no later than the key's expiry, but clocks tick between the two checks.
      if (p.expiresAt !== undefined && p.expiresAt <= Date.now()) return undefined;
      return {
        key,
        value: p.value,
        version: BigInt(entry.v),
        writer: entry.w,
        createdAt: p.createdAt,
        updatedAt: p.updatedAt,
        ...(p.expiresAt === undefined ? {} : { expiresAt: p.expiresAt }),
      };
    }
    this.results.inc({ result: 'miss' });
    const record = await this.engine.get(key);
    if (record) await this.fill(record);
    return record;
  }

  /** Straight from the engine: one consistent view, which entries cached at different times would not give. */
  getMany(keys: readonly string[]): Promise<Array<KvRecord | undefined>> {
    return this.engine.getMany(keys);
  }

  list(options: ListOptions): Promise<ListPage> {
    return this.engine.list(options);
  }

  /**
   * Stores a record read from the engine, unless the cache already holds a newer stamp of the key. A key with a TTL
   * is cached no longer than it lives.
   */
  async fill(record: KvRecord): Promise<boolean> {
    const payload: CachedPayload = { value: record.value, createdAt: record.createdAt, updatedAt: record.updatedAt };
    let ttl = this.ttlMs;
    if (record.expiresAt !== undefined) {
      ttl = Math.min(ttl, Math.floor(record.expiresAt - Date.now()));
      if (ttl <= 0) return false;
      payload.expiresAt = record.expiresAt;
    }
    return this.set(record.key, record, '0', JSON.stringify(payload), ttl);
  }

  /**
   * Brings entries up to date with applied writes: a put leaves a versioned marker, a delete a versioned tombstone.
   * An update that fails (Redis unreachable or slow) is not lost: it is kept and sent again once Redis answers — late
   * is harmless, the script keeps the newest stamp — so an entry cached before an outage cannot outlive a newer
   * write by more than the outage (or by its TTL, if more than `maxPendingUpdates` keys are waiting).
   */
  async applyChanges(applied: readonly Mutation[]): Promise<void> {
    const ok = await inSpan(
      tracer,
      KV_SPANS.cacheUpdate,
      SpanKind.CLIENT,
      () => cacheAttributes(applied),
      () => Promise.all(applied.map((m) => this.update(m.key, m, m.op === 'put' ? '2' : '1'))),
    );
    // Redis answers again (possibly without ever dropping the connection): send what was held.
    if (this.pending.size > 0 && ok.every(Boolean)) void this.flushPending();
  }

  /** Post-commit updates waiting for Redis to answer again. */
  get pendingUpdates(): number {
    return this.pending.size;
  }

  private async update(key: string, stamp: Stamp, kind: '1' | '2'): Promise<boolean> {
    try {
      // A put's marker (its createdAt is only known to the engine) makes the next read miss and fill exactly, and no
      // fill older than the put can land.
      await this.write(key, stamp, kind, '', this.tombstoneTtlMs);
      return true;
    } catch {
      this.fallbacks.inc({ op: 'set' });
      this.keepPending(key, stamp, kind);
      return false;
    }
  }

  private keepPending(key: string, stamp: Stamp, kind: '1' | '2'): void {
    const held = this.pending.get(key);
    if (held && compareStamps(held.stamp, stamp) >= 0) return;
    this.pending.delete(key);
    if (this.pending.size >= this.maxPending) {
      const oldest = this.pending.keys().next().value;
      if (oldest !== undefined) this.pending.delete(oldest);
      this.fallbacks.inc({ op: 'dropped' });
    }
    this.pending.set(key, { stamp, kind });
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.retryTimer || this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.flushPending();
    }, 1000);
    this.retryTimer.unref();
  }

  private async flushPending(): Promise<void> {
    if (this.pending.size === 0 || this.closed) return;
    // A retry due while a flush runs: the updates held since it began are sent by the next one.
    if (this.flushing) return this.scheduleRetry();
    // Not connected: trying every held update would only fail fast; the 'ready' event comes back here.
    if (this.redis.status !== 'ready') return this.scheduleRetry();
    this.flushing = true;
    const batch = [...this.pending];
    let failed = 0;
    try {
      await Promise.all(
        batch.map(async ([key, held]) => {
          try {
            await this.write(key, held.stamp, held.kind, '', this.tombstoneTtlMs);
            // A newer failed update for the key may have replaced this one meanwhile: that one stays.
            if (this.pending.get(key) === held) this.pending.delete(key);
          } catch {
            failed++;
          }
        }),
      );
    } finally {
      this.flushing = false;
    }
    if (failed === 0)
      this.logger.info({ updates: batch.length }, 'sent cache updates held while Redis was unreachable');
    // What failed, and what failed meanwhile and found the retry timer taken, is tried again.
    if (this.pending.size > 0) this.scheduleRetry();
  }

  /** Resolves when connected, or after `timeoutMs` either way (a cache that is down is not fatal). */
  async connected(timeoutMs = 2000): Promise<boolean> {
    if (this.redis.status === 'ready') return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.redis.once('ready', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  async ping(): Promise<{ ok: boolean; detail?: string }> {
    try {
      await this.redis.ping();
      return { ok: true };
    } catch (err) {
      return { ok: false, detail: `Redis unreachable, reads go to the database: ${(err as Error).message}` };
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.redis.disconnect();
  }

  private async set(key: string, stamp: Stamp, kind: '0' | '1' | '2', payload: string, ttl: number): Promise<boolean> {
    try {
      return await this.write(key, stamp, kind, payload, ttl);
    } catch {
      this.fallbacks.inc({ op: 'set' });
      return false;
    }
  }

  /** The versioned script: true when stored, false when the cache already held a newer stamp; throws if Redis fails. */
  private async write(
    key: string,
    stamp: Stamp,
    kind: '0' | '1' | '2',
    payload: string,
    ttl: number,
  ): Promise<boolean> {
    const written = await this.redis.kvVersionedSet(
      this.prefix + key,
      stamp.version.toString(),
      stamp.writer,
      kind,
      payload,
      ttl,
    );
    return written === 1;
  }
}

function compareStamps(a: Stamp, b: Stamp): number {
  if (a.version !== b.version) return a.version < b.version ? -1 : 1;
  return a.writer < b.writer ? -1 : a.writer > b.writer ? 1 : 0;
}
