import { assertNoUnknownVariables, createLogger, parseConfig, runMain, Shutdown } from '@kverse/runtime';
import { operatorConfigSpec } from './config.js';
import { startOperator } from './operator.js';

/** Entry point of the kverse/operator image: configuration from the environment, then the operator. */
await runMain(async () => {
  assertNoUnknownVariables(process.env, [operatorConfigSpec]);
  const config = parseConfig(operatorConfigSpec, process.env);
  const log = createLogger({ name: 'operator', level: config.logLevel });
  const operator = await startOperator(config, log);
  const shutdown = new Shutdown({ logger: log }).add('operator', () => operator.stop()).listen();
  // A replica that lost its Lease exits; Kubernetes restarts it and it campaigns again as a follower.
  void operator.lostLeadership.then(() => shutdown.run('lost leadership').then(() => process.exit(1)));
});
