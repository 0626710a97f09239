import { AmqpChangeSource, AmqpWritePath } from '@kverse/amqp-write-path';
import { HybridClock, type KvEngine } from '@kverse/kv-core';
import { openRedisCache, wantsRedisCache } from '@kverse/redis-cache';
import type { ConfigOf, Logger, ReadinessCheck, Registry } from '@kverse/runtime';
import { SqlEngine } from '@kverse/sql-engine';
import { defaultWriterId, limitsOf } from './config.js';
import { DataPlane } from './data-plane.js';
import type { distributedConfigSpec } from './distributed-config.js';
import {
  type DataPlaneConfig,
  type OpenedDataPlane,
  openConfiguredLogEngine,
  openEmbeddedDataPlane,
} from './embedded.js';
import { startHousekeeping } from './housekeeping.js';
import { LocalWritePath } from './local-write-path.js';
import { WatchHub } from './watch-hub.js';

export type DistributedConfig = ConfigOf<typeof distributedConfigSpec>;

export interface DistributedOptions {
  /** Registry for the cache's metrics (`kverse_cache_fallbacks_total`, `kverse_cache_reads_total`). */
  readonly metrics?: Registry;
}

/**
 * The data plane with each role chosen by configuration (DESIGN.md §2): the SQL engine when `DATABASE_URL` is set
 * (else the log engine), the Redis cache when `REDIS_URL`/`REDIS_SENTINELS` is set, the RabbitMQ write path and `kv.changes` stream when `AMQP_URL` is set (else the in-process
 * queue and the engine's own notifications). With nothing set this is the
 * embedded data plane.
 *
 * With `AMQP_URL`, writes are applied by apps/consumer, not by this process.
 */
export async function openDistributedDataPlane(
  config: DataPlaneConfig,
  services: DistributedConfig,
  logger: Logger,
  options: DistributedOptions = {},
): Promise<OpenedDataPlane> {
  const wantsCache = wantsRedisCache(services);
  if (!services.databaseUrl && !services.amqpUrl && !wantsCache) return openEmbeddedDataPlane(config, logger);
  if (services.amqpUrl && !services.databaseUrl) {
    throw new Error('AMQP_URL needs DATABASE_URL: the consumers apply writes to the SQL database the API reads');
  }
  const closers: Array<() => Promise<void>> = [];
  const readiness: ReadinessCheck[] = [];
  try {
    let engine: KvEngine;
    if (services.databaseUrl) {
      const sql = await SqlEngine.open({
        url: services.databaseUrl,
        poolSize: services.sqlPoolSize,
        logger: logger.child({ component: 'sql-engine' }),
      });
      engine = sql;
      readiness.push({ name: 'database', required: true, check: () => ping(sql) });
    } else {
      engine = await openConfiguredLogEngine(config, logger);
    }
    closers.push(() => engine.close());

    const cache = await openRedisCache(services, engine, {
      logger,
      ...(options.metrics ? { metrics: options.metrics } : {}),
    });
    if (cache) {
      closers.unshift(() => cache.close());
      readiness.push({ name: 'redis-cache', required: false, check: () => cache.ping() });
    }

    const offCache =
      !services.amqpUrl && cache ? engine.onApplied((applied) => void cache.applyChanges(applied)) : () => {};
    const clock = new HybridClock({ writer: config.writerId ?? defaultWriterId() });
    let writePath: AmqpWritePath | LocalWritePath;
    let changes: AmqpChangeSource | KvEngine;
    if (services.amqpUrl) {
      const amqp = new AmqpWritePath({ url: services.amqpUrl, partitions: services.partitions, logger });
      const stream = new AmqpChangeSource({ url: services.amqpUrl, logger });
      closers.unshift(
        () => amqp.close(),
        () => stream.close(),
      );
      await Promise.all([amqp.ready(), stream.ready()]);
      writePath = amqp;
      changes = stream;
      readiness.push(
        { name: 'rabbitmq', required: true, check: () => amqp.health() },
        {
          name: 'change-stream',
          required: true,
          check: () => (stream.up ? { ok: true } : { ok: false, detail: 'kv.changes not consumed' }),
        },
      );
    } else {
      const local = new LocalWritePath(engine);
      writePath = local;
      changes = engine;
      // Writes applied in this process keep the cache in step themselves.
      if (cache) closers.unshift(async () => offCache());
      // So do expiry and tombstone collection; with AMQP_URL the consumers do both.
      const housekeeping = startHousekeeping({ engine, clock, submit: (write) => local.submit(write), config, logger });
      closers.unshift(() => housekeeping.stop());
    }

    const dataPlane = new DataPlane({
      reader: cache ?? engine,
      writePath,
      changes,
      hub: new WatchHub({
        retention: config.watchRetention,
        retentionBytes: config.watchRetentionBytes,
        maxPending: config.watchBuffer,
      }),
      clock,
      limits: limitsOf(config),
    });
    logger.info(
      {
        engine: services.databaseUrl ? 'sql' : 'log',
        writes: services.amqpUrl ? 'rabbitmq' : 'in-process',
        cache: cache ? 'redis' : 'none',
        writer: clock.writer,
      },
      'data plane open',
    );
    return {
      dataPlane,
      engine,
      readiness,
      async close() {
        await dataPlane.close();
        for (const close of closers) await close();
      },
    };
  } catch (err) {
    for (const close of closers) await close().catch(() => undefined);
    throw err;
  }
}

async function ping(engine: SqlEngine): Promise<{ ok: boolean; detail?: string }> {
  try {
    await engine.ping();
    return { ok: true };
  } catch (err) {
    return { ok: false, detail: (err as Error).message };
  }
}
