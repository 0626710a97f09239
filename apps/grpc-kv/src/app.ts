import { readFile } from 'node:fs/promises';
import { type AddressInfo, createServer, type Server as NetServer } from 'node:net';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import { AccessControl } from '@kverse/access';
import type { DataPlane } from '@kverse/data-plane';
import { KvError } from '@kverse/kv-core';
import { ConfigError, type Logger, type Registry } from '@kverse/runtime';
import { HealthImplementation } from 'grpc-health-check';
import type { GrpcKvConfig } from './config.js';
import { AccessGuard } from './grpc/access-guard.js';
import { KvGrpcService } from './grpc/kv-grpc-service.js';
import { KvMetrics } from './grpc/kv-metrics.js';
import { KV_SERVICE_NAME, loadKvPackageDefinition, loadKvProto } from './grpc/kv-proto.js';

/** What the gRPC KV server needs from the process that hosts it. */
export interface GrpcKvDeps {
  /** The data plane shared with the other front doors. */
  readonly dataPlane: DataPlane;
  readonly logger: Logger;
  /** Prometheus registry the gRPC KV metrics are added to. */
  readonly metrics: Registry;
  /** Tokens, rate limits and audit log (shared with the REST API in one process). @default open to all */
  readonly access?: AccessControl;
  /** Record a SERVER span per call (an OpenTelemetry SDK was started). @default false */
  readonly tracing?: boolean;
}

/** A running gRPC KV server. */
export interface GrpcKvHandle {
  /** `host:port` clients dial (loopback when bound to every interface). */
  readonly address: string;
  /** The bound gRPC port. */
  readonly port: number;
  /** The service, for in-process inspection (open watches). */
  readonly service: KvGrpcService;
  /**
   * Reports NOT_SERVING, ends every Watch with UNAVAILABLE ("reconnect to resume"), lets unary calls in flight
   * finish (at most 5 s), then stops. Does not close the data plane, which its owner closes after every front door.
   */
  close(): Promise<void>;
}

/**
 * Builds and starts `kvstore.KvStore` (plus `grpc.health.v1` and server reflection, so stock grpcurl works) on
 * `config.host:config.port` (0 picks a free port), over TLS when a certificate and key are configured.
 */
export async function startGrpcKv(config: GrpcKvConfig, deps: GrpcKvDeps): Promise<GrpcKvHandle> {
  if (config.authToken !== undefined) {
    // A plain token in the environment is what hashed, scoped tokens replace; mapping it would keep it unhashed.
    throw new ConfigError([
      'GRPC_KV_AUTH_TOKEN is no longer supported: set KVERSE_AUTH_ENABLED=true and KVERSE_AUTH_TOKENS ' +
        '(or KVERSE_AUTH_TOKENS_FILE) to `id:scope:sha256hex` entries, made by `kverse token create` (docs/auth.md)',
    ]);
  }
  const logger = deps.logger.child({ component: 'grpc-kv' });
  const access = deps.access ?? AccessControl.open();
  const limits = deps.dataPlane.limits;
  const definition = loadKvPackageDefinition();
  const proto = loadKvProto(definition);
  const server = new Server({
    // A valid request is at most one key and one value plus framing; anything larger is refused by gRPC itself.
    'grpc.max_receive_message_length': limits.maxKeyBytes + limits.maxValueBytes + 1024,
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_timeout_ms': 10_000,
    // Channelz is not served here, and its per-call bookkeeping costs CPU on every request.
    'grpc.enable_channelz': 0,
  });
  const service = new KvGrpcService({
    dataPlane: deps.dataPlane,
    definition: proto.kvstore.KvStore.service,
    messageTypes: definition,
    metrics: new KvMetrics(deps.metrics),
    logger,
    waitAppliedMs: config.waitAppliedMs,
    tracing: deps.tracing ?? false,
    ...(access.active ? { guard: new AccessGuard(access) } : {}),
  });
  service.addToServer(server);
  const health = new HealthImplementation({ '': 'SERVING', [KV_SERVICE_NAME]: 'SERVING' });
  health.addToServer(server);
  new ReflectionService(definition).addToServer(server);

  const credentials = await serverCredentials(config);
  // grpc-js's own listener leaves Nagle's algorithm on for accepted sockets, which with delayed ACKs can hold small
  // responses back by tens of milliseconds; so this owns the TCP listener (TCP_NODELAY) and hands connections over.
  const injector = server.createConnectionInjector(credentials);
  const listener = createServer({ noDelay: true }, (socket) => injector.injectConnection(socket));
  const port = await listen(listener, config.host, config.port);
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  logger.info({ port, tls: credentials._isSecure(), auth: access.enabled }, 'gRPC KV listening');

  let closing: Promise<void> | undefined;
  return {
    address: `${shownHost}:${port}`,
    port,
    service,
    close: () => {
      closing ??= (async () => {
        health.setStatus('', 'NOT_SERVING');
        health.setStatus(KV_SERVICE_NAME, 'NOT_SERVING');
        service.endWatches(new KvError('KV_ERR_SHUTTING_DOWN', 'the server is shutting down; reconnect to resume'));
        // Stop accepting first; the listener's close completes once grpc-js has closed the connections it was given.
        const listenerClosed = new Promise<void>((resolve) => listener.close(() => resolve()));
        await shutdownGrpc(server, 5_000);
        await listenerClosed;
      })();
      return closing;
    },
  };
}

async function serverCredentials(config: GrpcKvConfig): Promise<ServerCredentials> {
  if (!config.tlsCertFile && !config.tlsKeyFile) return ServerCredentials.createInsecure();
  if (!config.tlsCertFile || !config.tlsKeyFile) {
    throw new KvError('KV_ERR_INVALID_ARGUMENT', 'TLS needs both GRPC_KV_TLS_CERT and GRPC_KV_TLS_KEY');
  }
  const [certChain, privateKey] = await Promise.all([readFile(config.tlsCertFile), readFile(config.tlsKeyFile)]);
  return ServerCredentials.createSsl(null, [{ cert_chain: certChain, private_key: privateKey }], false);
}

function listen(listener: NetServer, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(port, host, () => resolve((listener.address() as AddressInfo).port));
  });
}

// Graceful first (lets the shutting-down statuses reach clients), then forced.
function shutdownGrpc(server: Server, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, timeoutMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
