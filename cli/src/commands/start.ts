import { accessConfigSpec, openAccessControl, watchTokensFile } from '@kverse/access';
import { apiConfigSpec, startApi } from '@kverse/api';
import { chatConfigSpec, parseChatConfig, startChatServer } from '@kverse/chat';
import { consumerConfigSpec, startConsumer } from '@kverse/consumer';
import { dataPlaneEnvSpecs, openDataPlaneFromEnv } from '@kverse/data-plane';
import { grpcKvConfigSpec, startGrpcKv } from '@kverse/grpc-kv';
import { multicastNodeConfig, startMulticastNode } from '@kverse/multicast-node';
import {
  assertNoUnknownVariables,
  createLogger,
  createMetricsRegistry,
  type Env,
  type Logger,
  parseConfig,
  Shutdown,
} from '@kverse/runtime';
import { startTelemetry, telemetryConfigSpec } from '@kverse/telemetry';
import { clientConfigSpec } from './client-config.js';

export interface StartedPlatform {
  /** Front door name → where it listens. */
  readonly endpoints: Readonly<Record<string, string>>;
  /** Parts that could not start on this machine, with the reason (the rest runs). */
  readonly skipped: Readonly<Record<string, string>>;
  readonly shutdown: Shutdown;
}

/** Every configuration spec a `kverse start` process reads. */
export const startSpecs = [
  apiConfigSpec,
  accessConfigSpec,
  ...dataPlaneEnvSpecs,
  consumerConfigSpec,
  grpcKvConfigSpec,
  chatConfigSpec,
  multicastNodeConfig,
  clientConfigSpec,
  telemetryConfigSpec,
] as const;

/**
 * Runs every KVerse app in this one process, each configured from `env` exactly as its own container would be. With
 * no service URL set that is the embedded data plane (log engine in ./.kverse/data, in-process write path and change
 * stream); DATABASE_URL, REDIS_URL/REDIS_SENTINELS and AMQP_URL switch each role to the real service, and with
 * AMQP_URL a write consumer runs here too. The REST API and the gRPC KV store share one data plane, so a key written
 * through one is read and watched through the other.
 */
export async function startPlatform(env: Env, logger?: Logger): Promise<StartedPlatform> {
  assertNoUnknownVariables(env, startSpecs);
  const apiConfig = parseConfig(apiConfigSpec, env);
  const grpcConfig = parseConfig(grpcKvConfigSpec, env);
  // One access control for both front doors: a token's rate limit is the same bucket over REST and gRPC.
  const accessConfig = parseConfig(accessConfigSpec, env);
  const access = openAccessControl(accessConfig);
  const chatConfig = parseChatConfig(env);
  const multicastConfig = { ...parseConfig(multicastNodeConfig, env), repl: false };
  const log = logger ?? createLogger({ name: 'kverse', level: apiConfig.logLevel });
  const metrics = createMetricsRegistry({ app: 'kverse' });
  const shutdown = new Shutdown({ logger: log });
  shutdown.add('tokens file', watchTokensFile(access, accessConfig, log));
  const endpoints: Record<string, string> = {};
  const skipped: Record<string, string> = {};

  try {
    // One process-wide SDK for the data plane's front doors and consumer (chat keeps its own); closed last.
    const telemetry = await startTelemetry(parseConfig(telemetryConfigSpec, env), { serviceName: 'kverse' });
    shutdown.add('telemetry', () => telemetry.shutdown());
    const opened = await openDataPlaneFromEnv(env, log, metrics);
    shutdown.add('data plane', () => opened.close());

    if (env.AMQP_URL) {
      // Writes go through RabbitMQ: something must apply them.
      const consumer = await startConsumer(parseConfig(consumerConfigSpec, env), {
        logger: log.child({ app: 'consumer' }),
        metrics: createMetricsRegistry({ app: 'consumer' }),
      });
      shutdown.add('consumer', () => consumer.close());
    }

    const api = await startApi(apiConfig, {
      dataPlane: opened.dataPlane,
      logger: log.child({ app: 'api' }),
      metrics,
      readiness: opened.readiness,
      tracing: telemetry.enabled,
      access,
    });
    shutdown.add('rest api', () => api.close());
    endpoints['REST API'] = api.url;
    endpoints['web UI'] = `${api.url}/ui/`;
    endpoints['OpenAPI docs'] = `${api.url}/docs`;
    endpoints.metrics = `${api.url}/metrics`;

    const grpc = await startGrpcKv(grpcConfig, {
      dataPlane: opened.dataPlane,
      logger: log.child({ app: 'grpc-kv' }),
      metrics,
      access,
      tracing: telemetry.enabled,
    });
    shutdown.add('grpc kv', () => grpc.close());
    endpoints['gRPC KV (kvstore.KvStore)'] = grpc.address;

    // Chat and the multicast node keep their own metrics registries: they serve them on their own ports.
    const chat = await startChatServer(chatConfig, {
      logger: log.child({ app: 'chat' }),
      metrics: createMetricsRegistry({ app: 'chat' }),
    });
    shutdown.add('chat', () => chat.close());
    endpoints['gRPC chat (kverse.chat.v1)'] = `localhost:${chat.port}`;

    try {
      const node = await startMulticastNode(multicastConfig, { logger: log.child({ app: 'multicast-node' }) });
      shutdown.add('multicast node', () => node.close());
      endpoints['multicast node state'] = `http://localhost:${node.httpPort}/state`;
    } catch (err) {
      // A laptop without a multicast route (or a busy port) still gets everything else.
      skipped['multicast node'] = (err as Error).message;
      log.warn({ err }, 'multicast node not started');
    }
  } catch (err) {
    await shutdown.run('start-up failed');
    throw err;
  }
  return { endpoints, skipped, shutdown };
}
