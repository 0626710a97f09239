import { accessConfigSpec, openAccessControl } from '@kverse/access';
import { dataPlaneEnvSpecs, openDataPlaneFromEnv } from '@kverse/data-plane';
import {
  assertNoUnknownVariables,
  createLogger,
  createMetricsRegistry,
  parseConfig,
  runMain,
  Shutdown,
} from '@kverse/runtime';
import { apiConfigSpec } from './config.js';
import { startApi } from './server.js';

// Container entry point of the REST API: configuration from the environment, then listen until SIGTERM.
await runMain(async () => {
  assertNoUnknownVariables(process.env, [apiConfigSpec, accessConfigSpec, ...dataPlaneEnvSpecs]);
  const config = parseConfig(apiConfigSpec, process.env);
  const access = openAccessControl(parseConfig(accessConfigSpec, process.env));
  const logger = createLogger({ name: 'api', level: config.logLevel });
  const metrics = createMetricsRegistry({ app: 'api' });
  const shutdown = new Shutdown({ logger }).listen();

  // Each role switches to its real service when its URL is set (DESIGN.md §2); none set = embedded.
  const opened = await openDataPlaneFromEnv(process.env, logger, metrics);
  shutdown.add('data plane', () => opened.close());
  const api = await startApi(config, {
    dataPlane: opened.dataPlane,
    logger,
    metrics,
    readiness: opened.readiness,
    access,
  });
  shutdown.add('rest api', () => api.close());
  logger.info({ url: api.url, auth: access.enabled }, 'REST API listening');
});
