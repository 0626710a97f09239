import type { Meter, Tracer } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_INSTANCE_ID, ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions/incubating';

export interface OtelOptions {
  /** OTLP/HTTP base URL (`OTEL_EXPORTER_OTLP_ENDPOINT`); traces go to `/v1/traces`, metrics to `/v1/metrics`. */
  readonly endpoint: string;
  readonly serviceName: string;
  /** Distinguishes replicas of one service. */
  readonly instanceId: string;
  /** How often metrics are exported. */
  readonly metricExportIntervalMs: number;
}

/** A started OpenTelemetry SDK owned by one app (not registered globally, so apps in one process don't mix). */
export interface OtelHandle {
  readonly tracer: Tracer;
  readonly meter: Meter;
  /** Exports what is pending and stops. */
  shutdown(): Promise<void>;
}

/** Starts tracing and metrics export over OTLP/HTTP (JSON). Only called when an endpoint is configured. */
export function startOtel(options: OtelOptions): OtelHandle {
  const base = options.endpoint.replace(/\/+$/, '');
  const resource = resourceFromAttributes({
    [ATTR_SERVICE_NAME]: options.serviceName,
    [ATTR_SERVICE_INSTANCE_ID]: options.instanceId,
  });
  const tracerProvider = new TracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${base}/v1/traces` }) })],
  });
  const meterProvider = new MeterProvider({
    resource,
    readers: [
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: `${base}/v1/metrics` }),
        exportIntervalMillis: options.metricExportIntervalMs,
        exportTimeoutMillis: Math.min(30_000, options.metricExportIntervalMs),
      }),
    ],
  });
  return {
    tracer: tracerProvider.getTracer('@kverse/chat'),
    meter: meterProvider.getMeter('@kverse/chat'),
    async shutdown() {
      await Promise.allSettled([tracerProvider.shutdown(), meterProvider.shutdown()]);
    },
  };
}
