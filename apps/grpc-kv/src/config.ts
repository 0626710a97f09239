import { type ConfigOf, defineConfig, logLevelSetting, setting, T } from '@kverse/runtime';
import { Type } from 'typebox';

/** Settings of the gRPC KV front door (apps/grpc-kv); the data plane's own settings are `dataPlaneConfigSpec`. */
export const grpcKvConfigSpec = defineConfig({
  host: setting('GRPC_KV_HOST', Type.String({ default: '0.0.0.0' }), 'Address the gRPC and metrics ports bind to'),
  port: setting('GRPC_KV_PORT', T.port(50051), 'gRPC port (kvstore.KvStore, grpc.health.v1, reflection); 0 picks one'),
  metricsPort: setting(
    'GRPC_KV_METRICS_PORT',
    T.port(9451),
    'HTTP port serving Prometheus /metrics and /health when the gRPC KV server runs alone; 0 picks one',
  ),
  tlsCertFile: setting(
    'GRPC_KV_TLS_CERT',
    Type.Optional(Type.String({ minLength: 1 })),
    'PEM certificate chain; with GRPC_KV_TLS_KEY the server speaks TLS only',
  ),
  tlsKeyFile: setting('GRPC_KV_TLS_KEY', Type.Optional(Type.String({ minLength: 1 })), 'PEM private key for TLS'),
  authToken: setting(
    'GRPC_KV_AUTH_TOKEN',
    Type.Optional(Type.String()),
    'Replaced by KVERSE_AUTH_ENABLED and KVERSE_AUTH_TOKENS (hashed tokens with scopes, docs/auth.md); when set, the server refuses to start',
    true,
  ),
  waitAppliedMs: setting(
    'GRPC_KV_WAIT_APPLIED_MS',
    Type.Integer({ minimum: 1, maximum: 60_000, default: 5000 }),
    'Longest time a write with `wait_applied` waits before DEADLINE_EXCEEDED',
  ),
  logLevel: logLevelSetting,
});

export type GrpcKvConfig = ConfigOf<typeof grpcKvConfigSpec>;
