import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { KvReader, KvRecord, ListPage } from '@kverse/kv-core';
import { createLogger, createMetricsRegistry } from '@kverse/runtime';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisCache } from '../../src/index.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const logger = createLogger({ name: 'redis-cache-test', level: 'silent' });

/** A database stand-in whose reads can be held between reading and returning (to interleave deterministically). */
class GatedStore implements KvReader {
  readonly rows = new Map<string, KvRecord>();
  private gate: { reached: () => void; release: Promise<void> } | undefined;

  /** The next get reads its row, signals `reached`, then waits for `release` before returning. */
  holdNextGet(): { reached: Promise<void>; release: () => void } {
    let reached!: () => void;
    let release!: () => void;
    const reachedP = new Promise<void>((r) => {
      reached = r;
    });
    this.gate = { reached, release: new Promise<void>((r) => (release = r)) };
    return { reached: reachedP, release };
  }

  async get(key: string): Promise<KvRecord | undefined> {
    const row = this.rows.get(key);
    const gate = this.gate;
    this.gate = undefined;
    if (gate) {
      gate.reached();
      await gate.release;
    }
    return row;
  }

  async list(): Promise<ListPage> {
    return { records: [...this.rows.values()] };
  }
}

const record = (key: string, value: string, version: bigint): KvRecord => ({
  key,
  value,
  version,
  writer: 'w',
  createdAt: 1,
  updatedAt: Number(version),
});

/**
 * A TCP proxy to Redis that can be cut (every connection dropped, new ones refused) and restored, while Redis keeps
 * its data: a network partition between one process and Redis, not a Redis restart.
 */
class CuttableProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  async open(target: URL): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(Number(target.port || 6379), target.hostname);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => {
          this.sockets.delete(s);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', r));
    this.port = (this.server.address() as { port: number }).port;
  }

  async cut(): Promise<void> {
    const closed = new Promise<void>((r) => this.server!.close(() => r()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}

/** The naive cache-aside this design rules out: plain GET, SET on fill, DEL on write. */
class NaiveCache {
  constructor(
    private readonly redis: Redis,
    private readonly engine: KvReader,
  ) {}
  async get(key: string): Promise<string | undefined> {
    const hit = await this.redis.get(`naive:${key}`);
    if (hit !== null) return hit;
    const row = await this.engine.get(key);
    if (row) await this.redis.set(`naive:${key}`, row.value);
    return row?.value;
  }
  async invalidate(key: string): Promise<void> {
    await this.redis.del(`naive:${key}`);
  }
}

describe('Redis cache', () => {
  let redis: Redis;
  const prefix = `kverse-test:${randomBytes(4).toString('hex')}:`;

  beforeAll(async () => {
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });
    await redis.connect().catch((err: Error) => {
      throw new Error(`Redis is not answering at ${REDIS_URL} (${err.message}); run scripts/services/redis.sh`);
    });
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('stale fill: a reader that read v1 before the writer applied v2 cannot leave v1 in the cache', async () => {
    const store = new GatedStore();
    const cache = new RedisCache(store, { url: REDIS_URL, prefix, logger });
    expect(await cache.connected()).toBe(true);
    store.rows.set('k', record('k', 'v1', 1n));
    // 1. The reader misses and reads v1 from the database; it is held before filling.
    const gate = store.holdNextGet();
    const reading = cache.get('k');
    await gate.reached;
    // 2. The writer applies v2 to the database and updates the cache.
    const v2 = record('k', 'v2', 2n);
    store.rows.set('k', v2);
    await cache.applyChanges([{ op: 'put', key: 'k', value: 'v2', version: 2n, writer: 'w', timestamp: 2 }]);
    // 3. The reader's fill of v1 runs now — and is refused by the version check.
    gate.release();
    expect((await reading)?.value).toBe('v1'); // what that reader saw is fine: it read before the write
    expect((await cache.get('k'))?.value).toBe('v2');
    expect((await cache.get('k'))?.version).toBe(2n);
    await cache.close();
  });

  it('the same interleaving corrupts a naive SET-based cache', async () => {
    const store = new GatedStore();
    const naive = new NaiveCache(redis, store);
    const key = `${prefix}naive`;
    store.rows.set(key, record(key, 'v1', 1n));
    const gate = store.holdNextGet();
    const reading = naive.get(key);
    await gate.reached;
    store.rows.set(key, record(key, 'v2', 2n));
    await naive.invalidate(key);
    gate.release();
    await reading;
    expect(await naive.get(key)).toBe('v1'); // stale until its TTL: the bug the versioned script prevents
    await redis.del(`naive:${key}`);
  });

  it('serves hits, never lets an older update replace a newer one, and hides deleted keys', async () => {
    const store = new GatedStore();
    const cache = new RedisCache(store, { url: REDIS_URL, prefix, logger });
    expect(await cache.connected()).toBe(true);
    store.rows.set('h', record('h', 'a', 5n));
    expect((await cache.get('h'))?.value).toBe('a'); // miss + fill
    store.rows.delete('h');
    expect((await cache.get('h'))?.value).toBe('a'); // hit: the store is not asked
    await cache.applyChanges([{ op: 'delete', key: 'h', version: 7n, writer: 'w', timestamp: 7 }]);
    expect(await cache.fill(record('h', 'old', 6n))).toBe(false);
    expect(await cache.get('h')).toBeUndefined(); // versioned tombstone
    expect(await redis.pttl(`${prefix}h`)).toBeGreaterThan(0);
    await cache.close();
  });

  it('re-sends post-commit updates that failed while Redis was unreachable, so a pre-outage entry cannot stay', async () => {
    const store = new GatedStore();
    store.rows.set('p', record('p', 'v1', 1n));
    const proxy = new CuttableProxy();
    await proxy.open(new URL(REDIS_URL));
    const cache = new RedisCache(store, { url: `redis://127.0.0.1:${proxy.port}`, prefix, logger });
    try {
      expect(await cache.connected()).toBe(true);
      expect((await cache.get('p'))?.value).toBe('v1'); // miss, fills v1
      await proxy.cut();
      // v2 is committed while this process cannot reach Redis: the marker cannot be written now.
      store.rows.set('p', record('p', 'v2', 2n));
      await cache.applyChanges([{ op: 'put', key: 'p', value: 'v2', version: 2n, writer: 'w', timestamp: 2 }]);
      expect(cache.pendingUpdates).toBe(1);
      expect(await redis.hget(`${prefix}p`, 'v')).toBe('1'); // Redis itself still holds v1
      await proxy.open(new URL(REDIS_URL)); // same port: the partition heals
      const deadline = Date.now() + 10_000;
      while (cache.pendingUpdates > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(cache.pendingUpdates).toBe(0);
      expect(await redis.hget(`${prefix}p`, 'v')).toBe('2');
      expect((await cache.get('p'))?.value).toBe('v2');
    } finally {
      await cache.close();
      await proxy.cut().catch(() => undefined);
    }
  });

  it('answers from the engine when Redis is down, counting the fallback, and reports not ready', async () => {
    const store = new GatedStore();
    store.rows.set('d', record('d', 'db', 1n));
    const metrics = createMetricsRegistry();
    const cache = new RedisCache(store, { url: 'redis://127.0.0.1:1', prefix, logger, metrics });
    expect((await cache.get('d'))?.value).toBe('db');
    expect((await cache.ping()).ok).toBe(false);
    expect(await metrics.getSingleMetricAsString('kverse_cache_fallbacks_total')).toMatch(/op="get"} [1-9]/);
    await cache.close();
  });
});
