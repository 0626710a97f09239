import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_INSTANCE_ID, ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions/incubating';
import type { TelemetryConfig } from './config.js';
import { PooledIdGenerator } from './ids.js';
import type { Telemetry, TelemetryOptions } from './telemetry.js';

// Loaded only when an endpoint is configured (see startTelemetry): the SDK and exporters cost nothing otherwise.

/** Starts the SDK: batched OTLP/HTTP export, the configured sampler, optionally the process-wide registration. */
export function startSdk(config: TelemetryConfig & { otlpEndpoint: string }, options: TelemetryOptions): Telemetry {
  const base = config.otlpEndpoint.replace(/\/+$/, '');
  const serviceName = config.otelServiceName ?? options.serviceName;
  const resource = resourceFromAttributes({
    [ATTR_SERVICE_NAME]: serviceName,
    ...(options.instanceId ? { [ATTR_SERVICE_INSTANCE_ID]: options.instanceId } : {}),
  });
  const url = `${base}/v1/traces`;
  const exporter =
    config.otlpProtocol === 'http/json' ? new JsonTraceExporter({ url }) : new ProtobufTraceExporter({ url });
  const tracerProvider = new TracerProvider({
    resource,
    sampler: samplerOf(config),
    idGenerator: new PooledIdGenerator(),
    spanProcessors: [new BatchSpanProcessor({ exporter, scheduledDelayMillis: config.exportDelayMs })],
  });
  const meterProvider =
    options.metricExportIntervalMs === undefined
      ? undefined
      : new MeterProvider({
          resource,
          readers: [
            new PeriodicExportingMetricReader({
              exporter: new OTLPMetricExporter({ url: `${base}/v1/metrics` }),
              exportIntervalMillis: options.metricExportIntervalMs,
              exportTimeoutMillis: Math.min(30_000, options.metricExportIntervalMs),
            }),
          ],
        });

  let registered = false;
  if (options.global ?? true) {
    registered = trace.setGlobalTracerProvider(tracerProvider);
    if (registered) {
      context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
      propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    }
  }
  const tracer = tracerProvider.getTracer(serviceName);
  const meter = meterProvider?.getMeter(serviceName) ?? metrics.getMeter(serviceName);
  return {
    enabled: true,
    tracer,
    meter,
    async flush() {
      await Promise.allSettled([tracerProvider.forceFlush(), meterProvider?.forceFlush()]);
    },
    async shutdown() {
      await Promise.allSettled([tracerProvider.shutdown(), meterProvider?.shutdown()]);
      if (registered) {
        trace.disable();
        context.disable();
        propagation.disable();
      }
    },
  };
}

function samplerOf(config: TelemetryConfig): Sampler {
  const ratio = new TraceIdRatioBasedSampler(config.tracesSamplerArg);
  switch (config.tracesSampler) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratio;
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratio });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}
