import { randomBytes } from 'node:crypto';
import type { Write } from '@kverse/kv-core';
import { parseConfig } from '@kverse/runtime';
import { KV_ATTRS, KV_SPANS, startTelemetry, telemetryConfigSpec } from '@kverse/telemetry';
import { OtlpReceiver } from '@kverse/telemetry/testing';
import { trace } from '@opentelemetry/api';
import type { ConsumeMessage } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { traceApply } from '../src/apply-tracing.js';

function message(key: string, traceparent?: string): { msg: ConsumeMessage; write: Write } {
  const write: Write = { op: 'put', key, value: 'v', version: 7n, writer: 'w', timestamp: 0 } as Write;
  const msg = {
    content: Buffer.alloc(0),
    fields: { routingKey: '3' },
    properties: { headers: traceparent ? { traceparent } : {}, messageId: `id-${key}` },
  } as unknown as ConsumeMessage;
  return { msg, write };
}

describe('kv.apply spans of a batch', () => {
  let receiver: OtlpReceiver;
  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
  });
  afterAll(() => receiver.close());

  it('continue each message’s trace; the batch’s work sits under the lead, the others link to it', async () => {
    const telemetry = await startTelemetry(
      parseConfig(telemetryConfigSpec, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }),
      { serviceName: 'kverse-consumer' },
    );
    const [t1, t2] = [randomBytes(16).toString('hex'), randomBytes(16).toString('hex')];
    const [p1, p2] = [randomBytes(8).toString('hex'), randomBytes(8).toString('hex')];
    const batch = [message('a', `00-${t1}-${p1}-01`), message('b', `00-${t2}-${p2}-01`), message('c')];
    const traced = traceApply(batch);
    await traced.run(async () => {
      await new Promise((r) => setTimeout(r, 1));
      trace.getTracer('test').startSpan(KV_SPANS.dbApply).end();
    });
    traced.settle(['applied', 'superseded', 'failed']);
    await telemetry.shutdown();

    const spans = await receiver.waitForSpans(() => true, { count: 4 });
    const applies = spans.filter((s) => s.name === KV_SPANS.apply);
    const [a, b, c] = ['a', 'b', 'c'].map((k) => applies.find((s) => s.attributes[KV_ATTRS.key] === k)!);
    expect(a).toMatchObject({ traceId: t1, parentSpanId: p1, kind: 5, links: [] });
    expect(a?.attributes).toMatchObject({ [KV_ATTRS.outcome]: 'applied', [KV_ATTRS.messagingBatchCount]: 3 });
    expect(b).toMatchObject({ traceId: t2, parentSpanId: p2, links: [{ traceId: t1, spanId: a?.spanId }] });
    expect(b?.attributes[KV_ATTRS.outcome]).toBe('superseded');
    // A message without context starts its own trace.
    expect(c?.parentSpanId).toBeUndefined();
    expect(c?.attributes[KV_ATTRS.outcome]).toBe('failed');
    const db = spans.find((s) => s.name === KV_SPANS.dbApply);
    expect(db).toMatchObject({ traceId: t1, parentSpanId: a?.spanId });
  });
});
