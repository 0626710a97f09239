import { dataPlaneConfigSpec } from '@kverse/data-plane';
import { redisCacheConfigSpec } from '@kverse/redis-cache';
import { defineConfig, logLevelSetting, setting } from '@kverse/runtime';
import { Type } from 'typebox';

/** Settings of the write consumer (apps/consumer). */
export const consumerConfigSpec = defineConfig({
  databaseUrl: setting('DATABASE_URL', Type.String({ minLength: 1 }), 'PostgreSQL/CockroachDB URL', true),
  amqpUrl: setting('AMQP_URL', Type.String({ minLength: 1 }), 'RabbitMQ URL', true),
  // The read cache to keep in step after each commit (REDIS_URL or REDIS_SENTINELS), as the API finds it.
  ...redisCacheConfigSpec,
  port: setting(
    'KVERSE_CONSUMER_PORT',
    Type.Integer({ minimum: 0, maximum: 65535, default: 8081 }),
    'Port of /health, /ready, /metrics',
  ),
  host: setting('HOST', Type.String({ default: '0.0.0.0' }), 'Address the consumer binds'),
  partitions: setting(
    'KVERSE_WRITE_PARTITIONS',
    Type.Integer({ minimum: 1, maximum: 1024, default: 8 }),
    'Partition queues of kv.writes (the same on every API and consumer)',
  ),
  prefetch: setting(
    'KVERSE_CONSUMER_PREFETCH',
    Type.Integer({ minimum: 1, maximum: 65535, default: 1000 }),
    'Unacknowledged messages a consumer holds (bounds its batch)',
  ),
  maxBatch: setting(
    'KVERSE_CONSUMER_MAX_BATCH',
    Type.Integer({ minimum: 1, maximum: 10_000, default: 500 }),
    'Largest batch applied in one transaction',
  ),
  maxAttempts: setting(
    'KVERSE_CONSUMER_MAX_ATTEMPTS',
    // At most 15: RabbitMQ 4.0–4.2 quorum queues drop a message returned more than 20 times (their default delivery
    // limit, with no dead-letter exchange set), so the consumer must dead-letter it itself before that.
    Type.Integer({ minimum: 1, maximum: 15, default: 5 }),
    'Deliveries of one message before it goes to the dead-letter queue (returns by a hand-over or a stop count too)',
  ),
  groupHeartbeatMs: setting(
    'KVERSE_CONSUMER_HEARTBEAT_MS',
    Type.Integer({ minimum: 50, maximum: 60_000, default: 1000 }),
    "Time between the consumers' heartbeats; the partitions are divided again when one is unheard for three",
  ),
  expirySweepMs: dataPlaneConfigSpec.expirySweepMs,
  tombstoneRetentionMs: dataPlaneConfigSpec.tombstoneRetentionMs,
  writerId: dataPlaneConfigSpec.writerId,
  logLevel: logLevelSetting,
});
