import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AmqpWritePath } from '@kverse/amqp-write-path';
import { defaultWriterId, MAX_CONFIGURABLE_LIMITS, startHousekeeping } from '@kverse/data-plane';
import { HybridClock, type KvEngine } from '@kverse/kv-core';
import { openRedisCache } from '@kverse/redis-cache';
import type { ConfigOf, Logger, Registry } from '@kverse/runtime';
import { SqlEngine } from '@kverse/sql-engine';
import type { consumerConfigSpec } from './config.js';
import { createConsumerMetrics } from './consumer-metrics.js';
import { type ChangeSink, WriteConsumer } from './write-consumer.js';

export type ConsumerConfig = ConfigOf<typeof consumerConfigSpec>;

export interface ConsumerDeps {
  readonly logger: Logger;
  readonly metrics: Registry;
  /** The engine to apply to. @default a SqlEngine on `config.databaseUrl` (closed with the consumer) */
  readonly engine?: KvEngine;
  /** The cache to keep in step after each commit. @default a RedisCache on `REDIS_URL`/`REDIS_SENTINELS` when set */
  readonly cache?: ChangeSink;
}

export interface RunningConsumer {
  /** Base URL of /health, /ready, /metrics. */
  readonly url: string;
  /** Graceful drain: stop consuming, finish and ack the batch in hand, disconnect, close the engine. */
  close(): Promise<void>;
}

/**
 * Starts a write consumer with its small HTTP server (`/health` liveness, `/ready` broker + database, `/metrics`).
 * Used by `main.ts` and by the all-in-one launcher.
 */
export async function startConsumer(config: ConsumerConfig, deps: ConsumerDeps): Promise<RunningConsumer> {
  const logger = deps.logger.child({ component: 'consumer' });
  // Front doors enforce their configured limits; the consumer applies what any of them accepted, up to the largest
  // limits a deployment can configure (a stricter check here would refuse accepted writes).
  const engine =
    deps.engine ?? (await SqlEngine.open({ url: config.databaseUrl, logger, limits: MAX_CONFIGURABLE_LIMITS }));
  const ownCache = deps.cache ? undefined : await openRedisCache(config, engine, deps);
  const cache = deps.cache ?? ownCache;
  const writerId = config.writerId ?? defaultWriterId();
  const consumer = new WriteConsumer({
    amqpUrl: config.amqpUrl,
    partitions: config.partitions,
    instance: writerId,
    heartbeatMs: config.groupHeartbeatMs,
    prefetch: config.prefetch,
    maxBatch: config.maxBatch,
    maxAttempts: config.maxAttempts,
    engine,
    ...(cache ? { cache } : {}),
    metrics: createConsumerMetrics(deps.metrics),
    logger,
  });
  // Expired keys (TTL) become conditional deletes sent through kv.writes like any write, so caches and watchers see
  // them. The replica owning partition 0 sweeps and collects old tombstones; while the replicas' views of the group
  // differ (a few heartbeats), two may do it at once, which is harmless (a repeated delete fails its condition).
  const expiryWrites = new AmqpWritePath({ url: config.amqpUrl, partitions: config.partitions, logger });
  const housekeeping = startHousekeeping({
    engine,
    clock: new HybridClock({ writer: writerId }),
    submit: (write) => expiryWrites.submit(write),
    config,
    active: () => consumer.leads(),
    logger,
  });
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/health') return send(res, 200, { status: 'ok' });
    if (path === '/ready') {
      const h = consumer.health();
      const ok = h.broker && h.database === undefined;
      return send(res, ok ? 200 : 503, {
        status: ok ? 'ready' : 'not ready',
        checks: { rabbitmq: { ok: h.broker }, database: { ok: h.database === undefined, detail: h.database } },
      });
    }
    if (path === '/metrics') {
      void deps.metrics.metrics().then((text) => {
        res.writeHead(200, { 'content-type': deps.metrics.contentType });
        res.end(text);
      });
      return;
    }
    send(res, 404, { error: { code: 'KV_ERR_ROUTE_NOT_FOUND', message: 'not found' } });
  });
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  const { port } = server.address() as AddressInfo;
  logger.info({ port, partitions: config.partitions }, 'consumer started');
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      await housekeeping.stop();
      await expiryWrites.close();
      await consumer.drain();
      await closeServer(server);
      await ownCache?.close();
      if (!deps.engine) await engine.close();
      logger.info('consumer drained and stopped');
    },
  };
}

function send(res: import('node:http').ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
