import type { KvReader, KvRecord, ListOptions, ListPage, Mutation, Stamp } from '@kverse/kv-core';
import { Counter, type Logger, type Registry } from '@kverse/runtime';
import { Redis, type RedisOptions } from 'ioredis';
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
  readonly metrics?: Registry;
  readonly logger: Logger;
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
    redis.defineCommand('kvVersionedSet', { numberOfKeys: 1, lua: VERSIONED_SET_SCRIPT });
    this.redis = redis as VersionedRedis;
    this.prefix = options.prefix ?? 'kverse:kv:';
    this.ttlMs = options.ttlMs ?? 300_000;
    this.tombstoneTtlMs = options.tombstoneTtlMs ?? 30_000;
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
      const p = JSON.parse(entry.p ?? '{}') as { value: string; createdAt: number; updatedAt: number };
      return {
        key,
        value: p.value,
        version: BigInt(entry.v),
        writer: entry.w,
        createdAt: p.createdAt,
        updatedAt: p.updatedAt,
      };
    }
    this.results.inc({ result: 'miss' });
    const record = await this.engine.get(key);
    if (record) await this.fill(record);
    return record;
  }

  list(options: ListOptions): Promise<ListPage> {
    return this.engine.list(options);
  }

  /** Stores a record read from the engine, unless the cache already holds a newer stamp of the key. */
  async fill(record: KvRecord): Promise<boolean> {
    const payload = JSON.stringify({ value: record.value, createdAt: record.createdAt, updatedAt: record.updatedAt });
    return this.set(record.key, record, '0', payload, this.ttlMs);
  }

  /** Brings entries up to date with applied writes (puts store the value, deletes leave a versioned tombstone; puts a versioned marker). */
  async applyChanges(applied: readonly Mutation[]): Promise<void> {
    await Promise.all(
      applied.map((m) =>
        m.op === 'put'
          ? // A put leaves a versioned marker (its createdAt is only known to the engine): the next read misses and
            // fills exactly, and no fill older than the put can land.
            this.set(m.key, m, '2', '', this.tombstoneTtlMs)
          : this.set(m.key, m, '1', '', this.tombstoneTtlMs),
      ),
    );
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
    this.redis.disconnect();
  }

  private async set(key: string, stamp: Stamp, kind: '0' | '1' | '2', payload: string, ttl: number): Promise<boolean> {
    try {
      const written = await this.redis.kvVersionedSet(
        this.prefix + key,
        stamp.version.toString(),
        stamp.writer,
        kind,
        payload,
        ttl,
      );
      return written === 1;
    } catch {
      this.fallbacks.inc({ op: 'set' });
      return false;
    }
  }
}
