import { accessConfigSpec, openAccessControl, watchTokensFile } from '@kverse/access';
import { dataPlaneEnvSpecs, openDataPlaneFromEnv } from '@kverse/data-plane';
import {
  assertNoUnknownVariables,
  createLogger,
  createMetricsRegistry,
  parseConfig,
  runMain,
  Shutdown,
  startMetricsServer,
} from '@kverse/runtime';
import { startTelemetry, telemetryConfigSpec } from '@kverse/telemetry';
import { startGrpcKv } from './app.js';
import { grpcKvConfigSpec } from './config.js';

// Container entry point of the gRPC KV server: configuration from the environment, then serve until SIGTERM. With
// DATABASE_URL/REDIS_URL/AMQP_URL it runs on the shared data plane (the same keys as the REST API); with none set,
// standalone on the embedded log engine in KVERSE_DATA_DIR.
await runMain(async () => {
  assertNoUnknownVariables(process.env, [
    grpcKvConfigSpec,
    accessConfigSpec,
    telemetryConfigSpec,
    ...dataPlaneEnvSpecs,
  ]);
  const config = parseConfig(grpcKvConfigSpec, process.env);
  const telemetryConfig = parseConfig(telemetryConfigSpec, process.env);
  const accessConfig = parseConfig(accessConfigSpec, process.env);
  const access = openAccessControl(accessConfig);
  const logger = createLogger({ name: 'grpc-kv', level: config.logLevel });
  const metrics = createMetricsRegistry({ app: 'grpc-kv' });
  const shutdown = new Shutdown({ logger }).listen();
  shutdown.add('tokens file', watchTokensFile(access, accessConfig, logger));
  const telemetry = await startTelemetry(telemetryConfig, { serviceName: 'kverse-grpc-kv' });
  shutdown.add('telemetry', () => telemetry.shutdown());

  const opened = await openDataPlaneFromEnv(process.env, logger, metrics);
  shutdown.add('data plane', () => opened.close());
  const server = await startGrpcKv(config, {
    dataPlane: opened.dataPlane,
    logger,
    metrics,
    access,
    tracing: telemetry.enabled,
  });
  shutdown.add('grpc kv', () => server.close());
  const metricsServer = await startMetricsServer(metrics, config.host, config.metricsPort);
  shutdown.add('metrics', () => metricsServer.close());
  logger.info({ address: server.address, metricsPort: metricsServer.port }, 'gRPC KV ready');
});
