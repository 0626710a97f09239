import { randomUUID } from 'node:crypto';
import { consumerConfigSpec, type RunningConsumer, startConsumer } from '@kverse/consumer';
import { type OpenedDataPlane, openDataPlaneFromEnv } from '@kverse/data-plane';
import { createMetricsRegistry, type Env, parseConfig } from '@kverse/runtime';
import { type GrpcKvHandle, grpcKvConfigSpec, startGrpcKv } from '../../src/index.js';
import { silentLogger } from './harness.js';

/** The local test services (`scripts/services/*.sh` start them); the environment may point elsewhere. */
export const SERVICES: Env = {
  DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://kverse:kverse@127.0.0.1:5432/kverse',
  AMQP_URL: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
};

/**
 * A gRPC KV server on the distributed data plane (PostgreSQL, Redis cache, RabbitMQ write path and `kv.changes`)
 * with one apps/consumer worker in this process, as a cluster runs them. The services hold other tests' keys too:
 * use {@link DistributedHarness.prefix} for every key.
 */
export interface DistributedHarness {
  readonly server: GrpcKvHandle;
  readonly opened: OpenedDataPlane;
  readonly consumer: RunningConsumer;
  /** A prefix unique to this harness. */
  readonly prefix: string;
  /** Stops the consumer (writes are then queued but not applied); `close` does not stop it again. */
  stopConsumer(): Promise<void>;
  close(): Promise<void>;
}

export async function startDistributedHarness(env: Env = {}): Promise<DistributedHarness> {
  const consumer = await startConsumer(
    parseConfig(consumerConfigSpec, { ...SERVICES, KVERSE_CONSUMER_PORT: '0', HOST: '127.0.0.1', ...env }),
    { logger: silentLogger, metrics: createMetricsRegistry() },
  );
  const metrics = createMetricsRegistry();
  let opened: OpenedDataPlane | undefined;
  try {
    opened = await openDataPlaneFromEnv({ ...SERVICES, ...env }, silentLogger, metrics);
    const server = await startGrpcKv(
      parseConfig(grpcKvConfigSpec, { GRPC_KV_HOST: '127.0.0.1', GRPC_KV_PORT: '0', ...env }),
      { dataPlane: opened.dataPlane, logger: silentLogger, metrics },
    );
    const dataPlane = opened;
    let consumerStopped: Promise<void> | undefined;
    const stopConsumer = () => {
      consumerStopped ??= consumer.close();
      return consumerStopped;
    };
    return {
      server,
      opened: dataPlane,
      consumer,
      prefix: `grpc-dist-${randomUUID().slice(0, 8)}/`,
      stopConsumer,
      async close() {
        await server.close();
        await dataPlane.close();
        await stopConsumer();
      },
    };
  } catch (err) {
    await opened?.close();
    await consumer.close();
    throw err;
  }
}
