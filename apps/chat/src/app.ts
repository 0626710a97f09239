import { type AddressInfo, createServer as createNetServer, type Server as NetServer } from 'node:net';
import { hostname } from 'node:os';
import { type ConnectionInjector, Server, ServerCredentials } from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import { KvError } from '@kverse/kv-core';
import type { Logger, Registry } from '@kverse/runtime';
import { type MetricsServer, startMetricsServer } from '@kverse/runtime';
import { startTelemetry } from '@kverse/telemetry';
import { HealthImplementation } from 'grpc-health-check';
import type { ChatConfig } from './config.js';
import { ChatHub } from './domain/chat-hub.js';
import { MemoryBackplane } from './domain/memory-backplane.js';
import type { RoomBackplane } from './domain/room-backplane.js';
import { ChatGrpcService } from './grpc/chat-grpc-service.js';
import { loadChatPackageDefinition, loadChatProto } from './grpc/chat-proto.js';
import { RedisBackplane } from './redis/redis-backplane.js';
import { ChatTelemetry } from './telemetry/chat-telemetry.js';

/** What a chat server needs from the process that hosts it. */
export interface ChatServerDeps {
  readonly logger: Logger;
  /** Prometheus registry the chat metrics are added to (served on the metrics port). */
  readonly metrics: Registry;
}

/** A running chat server. */
export interface ChatServerHandle {
  /** The bound gRPC port. */
  readonly port: number;
  /** The bound metrics (HTTP) port. */
  readonly metricsPort: number;
  /** The hub, for in-process inspection (connections open). */
  readonly hub: ChatHub;
  /** Stops accepting, ends every connection with KV_ERR_SHUTTING_DOWN, flushes telemetry, releases Redis. */
  close(): Promise<void>;
}

const SERVICE_NAME = 'kverse.chat.v1.ChatService';

/**
 * Builds and starts the chat server from a typed config: in-memory rooms, or rooms shared through Redis when
 * `redisUrl` is set; gRPC health and reflection; Prometheus metrics over HTTP; OpenTelemetry only when an
 * OTLP endpoint is configured. Ports may be 0.
 */
export async function startChatServer(config: ChatConfig, deps: ChatServerDeps): Promise<ChatServerHandle> {
  const replicaId = config.replicaId ?? `${hostname()}-${process.pid}`;
  const logger = deps.logger.child({ component: 'chat', replica: replicaId });
  // The SDK is loaded only when an endpoint is configured: off, it costs neither start-up nor memory. Chat's spans
  // stay within one process, so its SDK is its own (not the process-wide one other apps in `kverse start` share).
  const telemetry = await startTelemetry(config, {
    serviceName: 'kverse-chat',
    instanceId: replicaId,
    global: false,
    metricExportIntervalMs: config.otelMetricExportIntervalMs,
  });
  const otel = telemetry.enabled ? telemetry : undefined;
  const hub = new ChatHub({
    limits: {
      maxMessageBytes: config.maxMessageBytes,
      ratePerSecond: config.ratePerSecond,
      rateBurst: config.rateBurst,
      maxRoomsPerConnection: config.maxRoomsPerConnection,
      sendQueueSize: config.sendQueueSize,
    },
    replicaId,
    logger,
    observer: new ChatTelemetry(deps.metrics, otel),
  });
  const closers: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch((err: unknown) => logger.warn({ err }, 'close failed'));
  };
  try {
    if (otel) closers.push(() => otel.shutdown());
    const backplane: RoomBackplane = config.redisUrl
      ? await RedisBackplane.connect(config.redisUrl, hub, { historySize: config.historySize, logger, replicaId })
      : new MemoryBackplane({ historySize: config.historySize, maxRooms: config.maxRooms }, hub);
    hub.attach(backplane);
    closers.push(() => backplane.close());

    const definition = loadChatPackageDefinition();
    const proto = loadChatProto(definition);
    const server = new Server({
      // Room, user and request id ride along the text; larger frames end the call (RESOURCE_EXHAUSTED).
      'grpc.max_receive_message_length': config.maxMessageBytes * 4 + 64 * 1024,
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_timeout_ms': 10_000,
      // Channelz bookkeeping runs on every message sent; fan-out sends many.
      'grpc.enable_channelz': 0,
    });
    new ChatGrpcService(hub, proto.kverse.chat.v1.ChatService.service, logger).addToServer(server);
    const health = new HealthImplementation({ '': 'SERVING', [SERVICE_NAME]: 'SERVING' });
    health.addToServer(server);
    new ReflectionService(definition).addToServer(server);
    const { port, listener } = await listenGrpc(server, config.host, config.port);
    closers.push(async () => {
      health.setStatus('', 'NOT_SERVING');
      health.setStatus(SERVICE_NAME, 'NOT_SERVING');
      // Stop accepting; the listener's callback fires once gRPC has ended the open connections.
      const stopped = new Promise<void>((resolve) => listener.server.close(() => resolve()));
      hub.closeAll(new KvError('KV_ERR_SHUTTING_DOWN', 'the chat server is shutting down; reconnect and resume'));
      await shutdownGrpc(server, listener.injector, 5_000);
      await stopped;
    });
    const metricsServer: MetricsServer = await startMetricsServer(deps.metrics, config.host, config.metricsPort);
    closers.push(() => metricsServer.close());
    logger.info(
      { port, metricsPort: metricsServer.port, redis: Boolean(config.redisUrl), otlp: Boolean(otel) },
      'chat server listening',
    );
    let closing: Promise<void> | undefined;
    return {
      port,
      metricsPort: metricsServer.port,
      hub,
      close: () => {
        closing ??= closeAll();
        return closing;
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/**
 * Accepts TCP connections ourselves and hands them to gRPC (grpc-js's connection injector), because grpc-js's own
 * listener leaves Nagle's algorithm on: a chat server writes many small frames to each client, and Nagle combined
 * with the client's delayed ACKs holds each one back by up to tens of milliseconds.
 */
async function listenGrpc(
  server: Server,
  host: string,
  port: number,
): Promise<{ port: number; listener: { server: NetServer; injector: ConnectionInjector } }> {
  const injector = server.createConnectionInjector(ServerCredentials.createInsecure());
  const tcp = createNetServer({ noDelay: true }, (socket) => injector.injectConnection(socket));
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(port, host, () => resolve());
  });
  return { port: (tcp.address() as AddressInfo).port, listener: { server: tcp, injector } };
}

// Graceful first (lets the shutting-down statuses reach clients), then forced.
function shutdownGrpc(server: Server, injector: ConnectionInjector, timeoutMs: number): Promise<void> {
  injector.drain(timeoutMs);
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      injector.destroy();
      server.forceShutdown();
      resolve();
    }, timeoutMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      injector.destroy();
      resolve();
    });
  });
}
