import { type ConfigOf, defineConfig, type Env, logLevelSetting, parseConfig, setting, T } from '@kverse/runtime';
import { type TelemetryConfig, telemetryConfigSpec } from '@kverse/telemetry';
import { Type } from 'typebox';

/** Every setting of the chat server, parsed once from the environment (see the README's table). */
export const chatConfigSpec = defineConfig({
  host: setting('CHAT_HOST', Type.String({ default: '0.0.0.0' }), 'Address the gRPC and metrics ports bind to.'),
  port: setting('CHAT_PORT', T.port(50052), 'gRPC port (kverse.chat.v1.ChatService, health, reflection); 0 picks one.'),
  metricsPort: setting(
    'CHAT_METRICS_PORT',
    T.port(9452),
    'HTTP port serving Prometheus /metrics and /health; 0 picks one.',
  ),
  redisUrl: setting(
    'REDIS_URL',
    T.url(),
    'redis:// URL; when set, rooms and history are shared by every replica through Redis.',
    true,
  ),
  historySize: setting(
    'CHAT_HISTORY_SIZE',
    Type.Integer({ minimum: 1, maximum: 100_000, default: 1000 }),
    'Messages kept per room for resume.',
  ),
  maxRooms: setting(
    'CHAT_MAX_ROOMS',
    Type.Integer({ minimum: 1, default: 10_000 }),
    'Rooms kept in memory without Redis; empty rooms are forgotten first.',
  ),
  maxMessageBytes: setting(
    'CHAT_MAX_MESSAGE_BYTES',
    Type.Integer({ minimum: 1, maximum: 1_048_576, default: 4096 }),
    'Largest message text in UTF-8 bytes.',
  ),
  ratePerSecond: setting(
    'CHAT_RATE_PER_SECOND',
    Type.Number({ exclusiveMinimum: 0, default: 20 }),
    'Envelopes per second a connection may send, sustained.',
  ),
  rateBurst: setting(
    'CHAT_RATE_BURST',
    Type.Integer({ minimum: 1, default: 40 }),
    'Envelopes a connection may send at once.',
  ),
  maxRoomsPerConnection: setting(
    'CHAT_MAX_ROOMS_PER_CONNECTION',
    Type.Integer({ minimum: 1, default: 16 }),
    'Rooms one connection may be in at the same time.',
  ),
  sendQueueSize: setting(
    'CHAT_SEND_QUEUE',
    Type.Integer({ minimum: 1, default: 1024 }),
    'Messages queued per connection while it does not read; past it the client is disconnected as a slow consumer.',
  ),
  replicaId: setting(
    'CHAT_REPLICA_ID',
    Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' })),
    'Names this replica in member ids and telemetry; default: host name and process id.',
  ),
  otelMetricExportIntervalMs: setting(
    'OTEL_METRIC_EXPORT_INTERVAL',
    Type.Integer({ minimum: 100, default: 60_000 }),
    'Milliseconds between OTLP metric exports.',
  ),
  logLevel: logLevelSetting,
});

/**
 * The chat settings and the standard OpenTelemetry ones (`telemetryConfigSpec`, shared by every app and documented
 * once): with `OTEL_EXPORTER_OTLP_ENDPOINT` set, traces and metrics are exported there.
 */
export type ChatConfig = ConfigOf<typeof chatConfigSpec> & TelemetryConfig;

/** Parses the chat settings from `env`; throws a ConfigError naming every bad variable. */
export function parseChatConfig(env: Env): ChatConfig {
  return { ...parseConfig(chatConfigSpec, env), ...parseConfig(telemetryConfigSpec, env) };
}

/** The defaults with `overrides`: how tests and the in-process launcher build a config without an environment. */
export function chatConfig(overrides: Partial<ChatConfig> = {}): ChatConfig {
  return { ...parseChatConfig({}), ...overrides };
}
