import { apiConfigSpec, startApi } from '@kverse/api';
import { dataPlaneConfigSpec, openEmbeddedDataPlane } from '@kverse/data-plane';
import {
  assertNoUnknownVariables,
  createLogger,
  createMetricsRegistry,
  type Env,
  type Logger,
  parseConfig,
  Shutdown,
} from '@kverse/runtime';

export interface StartedPlatform {
  /** Front door name → where it listens. */
  readonly endpoints: Readonly<Record<string, string>>;
  readonly shutdown: Shutdown;
}

/**
 * Runs every KVerse app in this one process on the embedded defaults (log engine in ./.kverse/data, in-process
 * write path and change stream), each configured from `env` exactly as its container would be.
 */
export async function startPlatform(env: Env, logger?: Logger): Promise<StartedPlatform> {
  assertNoUnknownVariables(env, [apiConfigSpec, dataPlaneConfigSpec]);
  const apiConfig = parseConfig(apiConfigSpec, env);
  const dataConfig = parseConfig(dataPlaneConfigSpec, env);
  const log = logger ?? createLogger({ name: 'kverse', level: apiConfig.logLevel });
  const metrics = createMetricsRegistry({ app: 'kverse' });
  const shutdown = new Shutdown({ logger: log });

  const opened = await openEmbeddedDataPlane(dataConfig, log);
  shutdown.add('data plane', () => opened.close());
  const api = await startApi(apiConfig, {
    dataPlane: opened.dataPlane,
    logger: log.child({ app: 'api' }),
    metrics,
    readiness: opened.readiness,
  });
  shutdown.add('rest api', () => api.close());

  return {
    endpoints: {
      'REST API': api.url,
      'web UI': `${api.url}/ui/`,
      'OpenAPI docs': `${api.url}/docs`,
      metrics: `${api.url}/metrics`,
    },
    shutdown,
  };
}
