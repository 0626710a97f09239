import {
  assertNoUnknownVariables,
  ConfigError,
  createLogger,
  createMetricsRegistry,
  parseConfig,
  Shutdown,
} from '@kverse/runtime';
import { startConsumer } from './app.js';
import { consumerConfigSpec } from './config.js';

// Container entry point of the write consumer: configuration from the environment, then drain until SIGTERM.
try {
  assertNoUnknownVariables(process.env, [consumerConfigSpec]);
  const config = parseConfig(consumerConfigSpec, process.env);
  const logger = createLogger({ name: 'consumer', level: config.logLevel });
  const metrics = createMetricsRegistry({ app: 'consumer' });
  const shutdown = new Shutdown({ logger }).listen();
  const consumer = await startConsumer(config, { logger, metrics });
  shutdown.add('consumer', () => consumer.close());
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  throw err;
}
