import {
  assertNoUnknownVariables,
  createLogger,
  createMetricsRegistry,
  parseConfig,
  runMain,
  Shutdown,
} from '@kverse/runtime';
import { startTelemetry, telemetryConfigSpec } from '@kverse/telemetry';
import { startConsumer } from './app.js';
import { consumerConfigSpec } from './config.js';

// Container entry point of the write consumer: configuration from the environment, then drain until SIGTERM.
await runMain(async () => {
  assertNoUnknownVariables(process.env, [consumerConfigSpec, telemetryConfigSpec]);
  const config = parseConfig(consumerConfigSpec, process.env);
  const telemetryConfig = parseConfig(telemetryConfigSpec, process.env);
  const logger = createLogger({ name: 'consumer', level: config.logLevel });
  const metrics = createMetricsRegistry({ app: 'consumer' });
  const shutdown = new Shutdown({ logger }).listen();
  // First in, last out: spans of the final drained batch are exported before the process exits.
  const telemetry = await startTelemetry(telemetryConfig, { serviceName: 'kverse-consumer' });
  shutdown.add('telemetry', () => telemetry.shutdown());
  const consumer = await startConsumer(config, { logger, metrics });
  shutdown.add('consumer', () => consumer.close());
});
