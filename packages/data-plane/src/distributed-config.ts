import { redisCacheConfigSpec } from '@kverse/redis-cache';
import { defineConfig, setting } from '@kverse/runtime';
import { Type } from 'typebox';

/**
 * Service URLs that switch data-plane roles from the embedded defaults to real services (DESIGN.md §2): each one
 * set replaces one role — `DATABASE_URL` the storage engine, `REDIS_URL`/`REDIS_SENTINELS` the cache, `AMQP_URL` the
 * write path and change stream.
 */
export const distributedConfigSpec = defineConfig({
  databaseUrl: setting(
    'DATABASE_URL',
    Type.Optional(Type.String({ minLength: 1 })),
    'PostgreSQL/CockroachDB URL: the SQL engine instead of the log engine',
    true,
  ),
  amqpUrl: setting(
    'AMQP_URL',
    Type.Optional(Type.String({ minLength: 1 })),
    'RabbitMQ URL: writes go through kv.writes to apps/consumer; changes come from kv.changes',
    true,
  ),
  ...redisCacheConfigSpec,
  partitions: setting(
    'KVERSE_WRITE_PARTITIONS',
    Type.Integer({ minimum: 1, maximum: 1024, default: 8 }),
    'Partition queues of kv.writes (the same on every API and consumer)',
  ),
  sqlPoolSize: setting(
    'KVERSE_SQL_POOL_SIZE',
    Type.Integer({ minimum: 1, maximum: 1000, default: 10 }),
    'Database connections per process',
  ),
});
