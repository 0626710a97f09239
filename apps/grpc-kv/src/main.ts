import { dataPlaneConfigSpec, openEmbeddedDataPlane } from '@kverse/data-plane';
import {
  assertNoUnknownVariables,
  ConfigError,
  createLogger,
  createMetricsRegistry,
  parseConfig,
  Shutdown,
} from '@kverse/runtime';
import { startGrpcKv } from './app.js';
import { grpcKvConfigSpec } from './config.js';
import { startMetricsServer } from './grpc/metrics-server.js';

// Container entry point of the gRPC KV server, standalone on the embedded data plane (the log engine in
// KVERSE_DATA_DIR, recovered on start): configuration from the environment, then serve until SIGTERM.
try {
  assertNoUnknownVariables(process.env, [grpcKvConfigSpec, dataPlaneConfigSpec]);
  const config = parseConfig(grpcKvConfigSpec, process.env);
  const dataConfig = parseConfig(dataPlaneConfigSpec, process.env);
  const logger = createLogger({ name: 'grpc-kv', level: config.logLevel });
  const metrics = createMetricsRegistry({ app: 'grpc-kv' });
  const shutdown = new Shutdown({ logger }).listen();

  const opened = await openEmbeddedDataPlane(dataConfig, logger);
  shutdown.add('data plane', () => opened.close());
  const server = await startGrpcKv(config, { dataPlane: opened.dataPlane, logger, metrics });
  shutdown.add('grpc kv', () => server.close());
  const metricsServer = await startMetricsServer(metrics, config.host, config.metricsPort);
  shutdown.add('metrics', () => metricsServer.close());
  logger.info({ address: server.address, metricsPort: metricsServer.port }, 'gRPC KV ready');
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  throw err;
}
