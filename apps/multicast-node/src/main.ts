import {
  assertNoUnknownVariables,
  createLogger,
  createMetricsRegistry,
  parseConfig,
  runMain,
  Shutdown,
} from '@kverse/runtime';
import { startMulticastNode } from './app.js';
import { multicastNodeConfig } from './config.js';
import { startRepl } from './repl.js';

// Entry point of one node in its own process: configuration from the environment, signals, and the prompt.
await runMain(async () => {
  const config = parseConfig(multicastNodeConfig, process.env);
  assertNoUnknownVariables(process.env, [multicastNodeConfig]);
  const logger = createLogger({ level: config.logLevel, name: 'multicast-node' });
  const handle = await startMulticastNode(config, { logger, metrics: createMetricsRegistry() });
  const shutdown = new Shutdown({ logger }).add('multicast node', () => handle.close()).listen();
  if (config.repl) {
    const stopRepl = startRepl(handle.node, {
      input: process.stdin,
      output: process.stdout,
      // Wait briefly for this node's own commands to come back, so a piped script's last SET is applied here too.
      onExit: () =>
        void handle.node
          .drain(2000)
          .then(() => shutdown.run('EXIT'))
          .then(() => process.exit(0)),
    });
    shutdown.add('repl', stopRepl);
  }
});
