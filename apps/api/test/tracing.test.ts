import { randomBytes } from 'node:crypto';
import { parseConfig } from '@kverse/runtime';
import { startTelemetry, type Telemetry, telemetryConfigSpec } from '@kverse/telemetry';
import { OtlpReceiver } from '@kverse/telemetry/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApi, type TestApi } from './helpers.js';

describe('request spans', () => {
  let receiver: OtlpReceiver;
  let telemetry: Telemetry;
  let api: TestApi;

  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
    telemetry = await startTelemetry(
      parseConfig(telemetryConfigSpec, {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      }),
      { serviceName: 'kverse-api' },
    );
    api = await openTestApi({}, { tracing: true });
  });
  afterAll(async () => {
    await api.close();
    await telemetry.shutdown();
    await receiver.close();
  });

  it('records one SERVER span per request, named by route, continuing an incoming traceparent', async () => {
    const traceId = randomBytes(16).toString('hex');
    const parent = randomBytes(8).toString('hex');
    const put = await api.app.inject({
      method: 'PUT',
      url: '/kv',
      headers: { traceparent: `00-${traceId}-${parent}-01` },
      payload: { key: 'traced', value: 'x' },
    });
    expect(put.statusCode).toBeLessThan(300);
    expect((await api.app.inject({ method: 'GET', url: '/kv?key=never-written' })).statusCode).toBe(404);
    expect((await api.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    await telemetry.flush();

    const [putSpan] = await receiver.waitForSpans((s) => s.name === 'PUT /kv');
    expect(putSpan).toMatchObject({
      traceId,
      parentSpanId: parent,
      kind: 2,
      attributes: { 'http.request.method': 'PUT', 'http.route': '/kv', 'http.response.status_code': put.statusCode },
    });
    const [getSpan] = await receiver.waitForSpans((s) => s.name === 'GET /kv');
    expect(getSpan?.parentSpanId).toBeUndefined();
    expect(getSpan?.attributes['http.response.status_code']).toBe(404);
    // A 4xx is the client's error, not the server's: status left unset.
    expect(getSpan?.statusCode).toBe(0);
    // Probes are not traced.
    expect(receiver.spans().filter((s) => s.name.includes('/health'))).toEqual([]);
  });
});
