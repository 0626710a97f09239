import { type ConfigOf, defineConfig, setting, T } from '@kverse/runtime';
import { Type } from 'typebox';

/**
 * The standard OpenTelemetry settings every KVerse app reads (the names and meanings of the OpenTelemetry
 * specification, so an operator's usual environment works). Nothing is exported unless an endpoint is set.
 */
export const telemetryConfigSpec = defineConfig({
  otlpEndpoint: setting(
    'OTEL_EXPORTER_OTLP_ENDPOINT',
    T.url(),
    'OTLP/HTTP base URL (collector, Jaeger, Tempo; port 4318), traces to `/v1/traces`; unset: tracing is off, at no cost',
  ),
  otlpProtocol: setting(
    'OTEL_EXPORTER_OTLP_PROTOCOL',
    Type.Union([Type.Literal('http/protobuf'), Type.Literal('http/json')], { default: 'http/protobuf' }),
    'OTLP encoding: `http/protobuf` or `http/json`',
  ),
  otelServiceName: setting(
    'OTEL_SERVICE_NAME',
    Type.Optional(Type.String({ minLength: 1 })),
    '`service.name` of exported telemetry (default: the app’s, e.g. `kverse-api`, `kverse-consumer`)',
  ),
  tracesSampler: setting(
    'OTEL_TRACES_SAMPLER',
    Type.Union(
      [
        'always_on',
        'always_off',
        'traceidratio',
        'parentbased_always_on',
        'parentbased_always_off',
        'parentbased_traceidratio',
      ].map((s) => Type.Literal(s)),
      { default: 'parentbased_always_on' },
    ),
    'Which traces are recorded; `parentbased_*` follows an incoming `traceparent`’s decision',
  ),
  tracesSamplerArg: setting(
    'OTEL_TRACES_SAMPLER_ARG',
    Type.Number({ minimum: 0, maximum: 1, default: 1 }),
    'Fraction of traces recorded by the `*traceidratio` samplers',
  ),
  exportDelayMs: setting(
    'OTEL_BSP_SCHEDULE_DELAY',
    Type.Integer({ minimum: 1, maximum: 600_000, default: 5000 }),
    'Milliseconds between batched span exports (a full queue of 2048 drops spans, never blocks)',
  ),
});

export type TelemetryConfig = ConfigOf<typeof telemetryConfigSpec>;
