import type { KvReader } from '@kverse/kv-core';
import { type ConfigOf, defineConfig, type Logger, type Registry, setting } from '@kverse/runtime';
import { Type } from 'typebox';
import { RedisCache } from './redis-cache.js';

/**
 * How a process finds the Redis cache: a plain URL, or a Sentinel list plus the master name (as in the cluster).
 * Shared by every process that opens the cache (apps/api, apps/grpc-kv, apps/consumer), so all read the same
 * variables.
 */
export const redisCacheConfigSpec = defineConfig({
  redisUrl: setting(
    'REDIS_URL',
    Type.Optional(Type.String({ minLength: 1 })),
    'Redis URL: cache-aside reads in front of the engine',
    true,
  ),
  redisSentinels: setting(
    'REDIS_SENTINELS',
    Type.Optional(Type.Array(Type.String({ pattern: '^[^:]+:[0-9]+$' }))),
    'Redis Sentinels as host:port,host:port (instead of REDIS_URL)',
  ),
  redisSentinelName: setting(
    'REDIS_SENTINEL_NAME',
    Type.String({ default: 'kverse' }),
    'Master name the Sentinels monitor',
  ),
});

export type RedisCacheConfig = ConfigOf<typeof redisCacheConfigSpec>;

/** True when `REDIS_URL` or `REDIS_SENTINELS` is set. */
export function wantsRedisCache(config: RedisCacheConfig): boolean {
  return Boolean(config.redisUrl || config.redisSentinels?.length);
}

/**
 * Opens the Redis cache in front of `engine` when {@link wantsRedisCache}, else resolves `undefined`. Sentinels win
 * over the URL when both are set. A Redis that is down at start-up is not fatal: the cache is returned anyway, reads
 * go to the engine (counted in `kverse_cache_fallbacks_total` on `metrics`) until Redis answers.
 */
export async function openRedisCache(
  config: RedisCacheConfig,
  engine: KvReader,
  deps: { readonly logger: Logger; readonly metrics?: Registry },
): Promise<RedisCache | undefined> {
  if (!wantsRedisCache(config)) return undefined;
  const logger = deps.logger.child({ component: 'redis-cache' });
  const cache = new RedisCache(engine, {
    ...(config.redisSentinels?.length
      ? {
          sentinels: config.redisSentinels.map((s) => {
            const [host = '', port = '26379'] = s.split(':');
            return { host, port: Number(port) };
          }),
          sentinelName: config.redisSentinelName,
        }
      : { url: config.redisUrl }),
    logger,
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
  });
  const up = await cache.connected();
  logger.info({ via: config.redisSentinels?.length ? 'sentinel' : 'url', up }, 'Redis cache opened');
  if (!up) logger.warn('Redis not reachable yet; reads go to the database until it answers');
  return cache;
}
