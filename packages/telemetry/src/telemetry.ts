import { type Meter, metrics, type Tracer, trace } from '@opentelemetry/api';
import type { TelemetryConfig } from './config.js';

export interface TelemetryOptions {
  /** `service.name` when `OTEL_SERVICE_NAME` is not set, e.g. `kverse-api`. */
  readonly serviceName: string;
  /** `service.instance.id`: distinguishes replicas of one service. */
  readonly instanceId?: string;
  /**
   * Make this SDK the process-wide one (tracer provider, W3C propagator, async context), so libraries that record
   * through `@opentelemetry/api` — the write path, the engines, the cache — and context propagation use it.
   * A second global start in one process is refused and returns an SDK that only the caller uses.
   * @default true
   */
  readonly global?: boolean;
  /** Also export metrics over OTLP, this often (milliseconds). @default no metrics */
  readonly metricExportIntervalMs?: number;
}

/** OpenTelemetry as an app started it. */
export interface Telemetry {
  /** Whether spans are exported (an endpoint was configured). */
  readonly enabled: boolean;
  /** The app's own tracer (a no-op when disabled). */
  readonly tracer: Tracer;
  /** The app's meter (a no-op unless metrics were asked for). */
  readonly meter: Meter;
  /** Exports what is pending. */
  flush(): Promise<void>;
  /** Exports what is pending, stops, and releases the process-wide registration this start made. */
  shutdown(): Promise<void>;
}

/**
 * Starts OpenTelemetry from the standard settings. Without `OTEL_EXPORTER_OTLP_ENDPOINT` nothing is loaded: the
 * returned tracer and meter are the API's no-ops, and the SDK modules are never imported (no start-up or
 * per-request cost).
 */
export async function startTelemetry(config: TelemetryConfig, options: TelemetryOptions): Promise<Telemetry> {
  if (!config.otlpEndpoint) {
    return {
      enabled: false,
      tracer: trace.getTracer(options.serviceName),
      meter: metrics.getMeter(options.serviceName),
      flush: async () => undefined,
      shutdown: async () => undefined,
    };
  }
  const { startSdk } = await import('./sdk.js');
  return startSdk({ ...config, otlpEndpoint: config.otlpEndpoint }, options);
}
