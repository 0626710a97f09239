import type { KVStoreSpec } from '@kverse/crd';
import type { Manifest } from './pod.js';
import type { PolicyPeer } from './policy.js';

/**
 * What `monitoring.tracing` adds to every app (docs/tracing.md): the standard OpenTelemetry variables, and an egress
 * rule to the collector's port (anywhere: the collector usually lives in another namespace). Nothing when no endpoint
 * is set, so the apps start no SDK.
 */
export function tracingEnv(spec: KVStoreSpec): Manifest[] {
  const { otlpEndpoint, sampleRatio } = spec.monitoring.tracing;
  if (!otlpEndpoint) return [];
  return [
    { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: otlpEndpoint },
    { name: 'OTEL_TRACES_SAMPLER', value: 'parentbased_traceidratio' },
    { name: 'OTEL_TRACES_SAMPLER_ARG', value: String(sampleRatio) },
  ];
}

export function tracingEgress(spec: KVStoreSpec): PolicyPeer[] {
  const { otlpEndpoint } = spec.monitoring.tracing;
  return otlpEndpoint ? [{ ports: [{ port: otlpPort(otlpEndpoint) }] }] : [];
}

/** The TCP port of an endpoint URL: explicit, or the scheme's. */
export function otlpPort(endpoint: string): number {
  const url = new URL(endpoint);
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}
