import {
  assertNoUnknownVariables,
  createLogger,
  createMetricsRegistry,
  parseConfig,
  runMain,
  Shutdown,
} from '@kverse/runtime';
import { startConsumer } from './app.js';
import { consumerConfigSpec } from './config.js';

// Container entry point of the write consumer: configuration from the environment, then drain until SIGTERM.
await runMain(async () => {
  assertNoUnknownVariables(process.env, [consumerConfigSpec]);
  const config = parseConfig(consumerConfigSpec, process.env);
  const logger = createLogger({ name: 'consumer', level: config.logLevel });
  const metrics = createMetricsRegistry({ app: 'consumer' });
  const shutdown = new Shutdown({ logger }).listen();
  const consumer = await startConsumer(config, { logger, metrics });
  shutdown.add('consumer', () => consumer.close());
});
