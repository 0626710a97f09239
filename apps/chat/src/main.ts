import { assertNoUnknownVariables, createLogger, createMetricsRegistry, runMain, Shutdown } from '@kverse/runtime';
import { telemetryConfigSpec } from '@kverse/telemetry';
import { startChatServer } from './app.js';
import { chatConfigSpec, parseChatConfig } from './config.js';

// The chat server alone in its process (a container): configuration from the environment, graceful shutdown.
await runMain(async () => {
  const config = parseChatConfig(process.env);
  assertNoUnknownVariables(process.env, [chatConfigSpec, telemetryConfigSpec]);
  const logger = createLogger({ name: 'chat', level: config.logLevel });
  const metrics = createMetricsRegistry({ app: 'chat' });
  const server = await startChatServer(config, { logger, metrics });
  new Shutdown({ logger }).add('chat server', () => server.close()).listen();
});
