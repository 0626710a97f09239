import type { Env, Logger, Registry } from '@kverse/runtime';
import { parseConfig } from '@kverse/runtime';
import { dataPlaneConfigSpec } from './config.js';
import { openDistributedDataPlane } from './distributed.js';
import { distributedConfigSpec } from './distributed-config.js';
import type { OpenedDataPlane } from './embedded.js';

/**
 * Every configuration spec {@link openDataPlaneFromEnv} reads (the data plane, the service URLs and the cache's
 * settings); pass them to `assertNoUnknownVariables` with the app's own spec before opening.
 */
export const dataPlaneEnvSpecs = [dataPlaneConfigSpec, distributedConfigSpec] as const;

/**
 * The one way a process opens its data plane from the environment (apps/api, apps/grpc-kv, `kverse start`):
 * `DATABASE_URL` → SQL engine, `REDIS_URL`/`REDIS_SENTINELS` → Redis cache (its metrics on `metrics`),
 * `AMQP_URL` → RabbitMQ write path and `kv.changes`; nothing set → the embedded data plane. Throws
 * `ConfigError` for invalid settings.
 */
export function openDataPlaneFromEnv(env: Env, logger: Logger, metrics?: Registry): Promise<OpenedDataPlane> {
  return openDistributedDataPlane(
    parseConfig(dataPlaneConfigSpec, env),
    parseConfig(distributedConfigSpec, env),
    logger,
    metrics ? { metrics } : {},
  );
}
