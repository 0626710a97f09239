import { accessConfigSpec, openAccessControl, watchTokensFile } from '@kverse/access';
import { dataPlaneEnvSpecs, openDataPlaneFromEnv } from '@kverse/data-plane';
import {
  assertNoUnknownVariables,
  createLogger,
  createMetricsRegistry,
  parseConfig,
  runMain,
  Shutdown,
} from '@kverse/runtime';
import { startTelemetry, telemetryConfigSpec } from '@kverse/telemetry';
import { apiConfigSpec } from './config.js';
import { startApi } from './server.js';

// Container entry point of the REST API: configuration from the environment, then listen until SIGTERM.
await runMain(async () => {
  assertNoUnknownVariables(process.env, [apiConfigSpec, accessConfigSpec, telemetryConfigSpec, ...dataPlaneEnvSpecs]);
  const config = parseConfig(apiConfigSpec, process.env);
  const telemetryConfig = parseConfig(telemetryConfigSpec, process.env);
  const accessConfig = parseConfig(accessConfigSpec, process.env);
  const access = openAccessControl(accessConfig);
  const logger = createLogger({ name: 'api', level: config.logLevel });
  const metrics = createMetricsRegistry({ app: 'api' });
  const shutdown = new Shutdown({ logger }).listen();
  shutdown.add('tokens file', watchTokensFile(access, accessConfig, logger));
  // First in, last out: spans of the last requests are exported before the process exits.
  const telemetry = await startTelemetry(telemetryConfig, { serviceName: 'kverse-api' });
  shutdown.add('telemetry', () => telemetry.shutdown());

  // Each role switches to its real service when its URL is set (DESIGN.md §2); none set = embedded.
  const opened = await openDataPlaneFromEnv(process.env, logger, metrics);
  shutdown.add('data plane', () => opened.close());
  const api = await startApi(config, {
    dataPlane: opened.dataPlane,
    logger,
    metrics,
    readiness: opened.readiness,
    tracing: telemetry.enabled,
    access,
  });
  shutdown.add('rest api', () => api.close());
  logger.info({ url: api.url, auth: access.enabled }, 'REST API listening');
});
