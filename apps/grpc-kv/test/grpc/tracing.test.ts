import { randomBytes } from 'node:crypto';
import { Metadata } from '@grpc/grpc-js';
import { parseConfig } from '@kverse/runtime';
import { startTelemetry, telemetryConfigSpec } from '@kverse/telemetry';
import { OtlpReceiver } from '@kverse/telemetry/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, callError, type Harness, kvClient, startHarness } from '../support/harness.js';

describe('gRPC KV server spans', () => {
  let receiver: OtlpReceiver;
  let h: Harness;
  let client: ReturnType<typeof kvClient>;

  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
    h = await startHarness({}, undefined, { tracing: true });
    client = kvClient(h.server.address);
  });
  afterAll(async () => {
    client.close();
    await h.close();
    await receiver.close();
  });

  it('records one SERVER span per call, continuing the caller’s traceparent', async () => {
    const telemetry = await startTelemetry(
      parseConfig(telemetryConfigSpec, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }),
      { serviceName: 'kverse-grpc-kv' },
    );
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const metadata = new Metadata();
    metadata.set('traceparent', `00-${traceId}-${callerSpanId}-01`);
    try {
      await call((cb) => client.Put({ key: 'traced', value: 'x' }, metadata, cb));
      await callError((cb) => client.Get({ key: 'never-written' }, cb));
    } finally {
      await telemetry.shutdown();
    }
    const [put] = await receiver.waitForSpans((s) => s.name === 'kvstore.KvStore/Put');
    expect(put).toMatchObject({
      traceId,
      parentSpanId: callerSpanId,
      kind: 2,
      serviceName: 'kverse-grpc-kv',
      attributes: { 'rpc.system': 'grpc', 'rpc.service': 'kvstore.KvStore', 'rpc.method': 'Put' },
    });
    const [get] = await receiver.waitForSpans((s) => s.name === 'kvstore.KvStore/Get');
    expect(get?.parentSpanId).toBeUndefined();
    expect(get?.statusCode).toBe(2);
  });
});
