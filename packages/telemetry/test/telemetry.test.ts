import { parseConfig } from '@kverse/runtime';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractContext, injectContext, startTelemetry, telemetryConfigSpec } from '../src/index.js';
import { OtlpReceiver } from '../src/testing/index.js';

describe('startTelemetry', () => {
  let receiver: OtlpReceiver;
  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
  });
  afterAll(() => receiver.close());

  it('is a no-op without an endpoint: nothing recorded, nothing injected', async () => {
    const telemetry = await startTelemetry(parseConfig(telemetryConfigSpec, {}), { serviceName: 'kverse-test' });
    expect(telemetry.enabled).toBe(false);
    const span = telemetry.tracer.startSpan('nothing');
    expect(span.isRecording()).toBe(false);
    expect(injectContext({}, trace.setSpan(context.active(), span))).toEqual({});
    await telemetry.shutdown();
  });

  for (const protocol of ['http/protobuf', 'http/json'] as const) {
    it(`exports over OTLP/HTTP (${protocol}) and carries the context through message headers`, async () => {
      const config = parseConfig(telemetryConfigSpec, {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
        OTEL_TRACES_SAMPLER: 'always_on',
      });
      const telemetry = await startTelemetry(config, { serviceName: `svc-${protocol}`, instanceId: 'one' });
      expect(telemetry.enabled).toBe(true);
      const headers = await telemetry.tracer.startActiveSpan('producer', { kind: SpanKind.PRODUCER }, async (span) => {
        // Async context: the span is still active after an await.
        await new Promise((r) => setTimeout(r, 1));
        const carried = injectContext({ other: 'kept' });
        span.setAttribute('n', 7);
        span.end();
        return carried;
      });
      expect(headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      const consumer = telemetry.tracer.startSpan(
        'consumer',
        { kind: SpanKind.CONSUMER, attributes: { ok: true, ratio: 0.5, text: 'x' } },
        extractContext(headers),
      );
      consumer.end();
      await telemetry.shutdown();

      const spans = await receiver.waitForSpans((s) => s.serviceName === `svc-${protocol}`, { count: 2 });
      const producer = spans.find((s) => s.name === 'producer')!;
      const received = spans.find((s) => s.name === 'consumer')!;
      expect(producer.kind).toBe(4);
      expect(producer.attributes).toEqual({ n: 7 });
      expect(producer.parentSpanId).toBeUndefined();
      expect(received).toMatchObject({
        kind: 5,
        traceId: producer.traceId,
        parentSpanId: producer.spanId,
        attributes: { ok: true, ratio: 0.5, text: 'x' },
      });
      expect(headers.traceparent).toBe(`00-${producer.traceId}-${producer.spanId}-01`);
      // Shut down, the process-wide registration is released: propagation is a no-op again.
      expect(injectContext({}, extractContext(headers))).toEqual({});
    });
  }

  it('follows the sampler: always_off records nothing, parent-based follows the caller', async () => {
    const off = await startTelemetry(
      parseConfig(telemetryConfigSpec, {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_TRACES_SAMPLER: 'always_off',
      }),
      { serviceName: 'sampled-off' },
    );
    expect(off.tracer.startSpan('x').isRecording()).toBe(false);
    await off.shutdown();
    const parentBased = await startTelemetry(
      parseConfig(telemetryConfigSpec, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }),
      { serviceName: 'parent-based' },
    );
    const unsampled = extractContext({ traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-00` });
    expect(parentBased.tracer.startSpan('child', {}, unsampled).isRecording()).toBe(false);
    const sampled = extractContext({ traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01` });
    expect(parentBased.tracer.startSpan('child', {}, sampled).isRecording()).toBe(true);
    await parentBased.shutdown();
  });
});
