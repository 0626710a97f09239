import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { partitionOf } from '@kverse/amqp-write-path';
import { parseConfig } from '@kverse/runtime';
import { KV_ATTRS, KV_SPANS, startTelemetry, type Telemetry, telemetryConfigSpec } from '@kverse/telemetry';
import { OtlpReceiver, type ReceivedSpan } from '@kverse/telemetry/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiNode, requireServices, SERVICES, spawnConsumer, startApiNode } from './cluster.js';

// More partitions than the default 8 and a key on partition 8 or above: consumers of other suites (8 partitions)
// never take this message, so the traced consumer below is the one that applies it.
const PARTITIONS = 16;

// One REST PUT on the distributed data plane — this process's API (as apps/api runs it) → real RabbitMQ → a consumer
// in its own process → PostgreSQL → Redis — arrives at a local OTLP receiver as one connected trace.
describe('tracing across the queue', () => {
  let receiver: OtlpReceiver;
  let telemetry: Telemetry;
  let api: ApiNode;
  let consumer: ChildProcess;

  beforeAll(async () => {
    await requireServices();
    receiver = await OtlpReceiver.start();
    const otel = {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_TRACES_SAMPLER: 'always_on',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    };
    telemetry = await startTelemetry(parseConfig(telemetryConfigSpec, otel), { serviceName: 'kverse-api' });
    const env = { ...SERVICES, KVERSE_WRITE_PARTITIONS: String(PARTITIONS) };
    consumer = await spawnConsumer({ ...env, ...otel });
    api = await startApiNode(env, { tracing: true });
  });

  afterAll(async () => {
    await api?.close();
    consumer?.kill('SIGTERM');
    await telemetry?.shutdown();
    await receiver?.close();
  });

  it('one PUT gives one trace: API → publish → consumer apply → database → cache → kv.changes', async () => {
    const run = randomBytes(4).toString('hex');
    let key = '';
    for (let i = 0; partitionOf(key, PARTITIONS) < 8; i++) key = `traced/${run}/${i}`;
    // The caller's own trace context: the API continues it.
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const res = await fetch(`${api.url}/kv?wait=applied`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-${callerSpanId}-01` },
      body: JSON.stringify({ key, value: 'traced' }),
    });
    expect(res.status).toBe(200);

    const wanted = [
      'PUT /kv',
      KV_SPANS.writePublish,
      KV_SPANS.apply,
      KV_SPANS.dbApply,
      KV_SPANS.cacheUpdate,
      KV_SPANS.changesPublish,
    ];
    const inTrace = (s: ReceivedSpan) => s.traceId === traceId && wanted.includes(s.name);
    const spans = await receiver.waitForSpans(inTrace, { count: wanted.length, timeoutMs: 20_000 });
    const byName = (name: string) => {
      const found = spans.filter((s) => s.name === name);
      expect(found, name).toHaveLength(1);
      return found[0]!;
    };
    const request = byName('PUT /kv');
    const publish = byName(KV_SPANS.writePublish);
    const apply = byName(KV_SPANS.apply);
    const db = byName(KV_SPANS.dbApply);
    const cache = byName(KV_SPANS.cacheUpdate);
    const changes = byName(KV_SPANS.changesPublish);

    // Parent links: caller → request → publish ⇢ (queue) ⇢ apply → database, cache, kv.changes.
    expect(request.parentSpanId).toBe(callerSpanId);
    expect(publish.parentSpanId).toBe(request.spanId);
    expect(apply.parentSpanId).toBe(publish.spanId);
    expect(db.parentSpanId).toBe(apply.spanId);
    expect(cache.parentSpanId).toBe(apply.spanId);
    expect(changes.parentSpanId).toBe(apply.spanId);

    // Kinds (2 server, 3 client, 4 producer, 5 consumer), the process that recorded each, and what they say.
    expect([request, publish, apply, db, cache, changes].map((s) => s.kind)).toEqual([2, 4, 5, 3, 3, 4]);
    expect([request, publish].map((s) => s.serviceName)).toEqual(['kverse-api', 'kverse-api']);
    expect([apply, db, cache, changes].map((s) => s.serviceName)).toEqual(Array(4).fill('kverse-consumer'));
    expect(request.attributes).toMatchObject({ 'http.request.method': 'PUT', 'http.route': '/kv' });
    expect(request.attributes['http.response.status_code']).toBe(200);
    expect(publish.attributes).toMatchObject({
      [KV_ATTRS.key]: key,
      [KV_ATTRS.op]: 'put',
      [KV_ATTRS.messagingSystem]: 'rabbitmq',
      [KV_ATTRS.messagingDestination]: 'kv.writes',
      [KV_ATTRS.messagingRoutingKey]: String(partitionOf(key, PARTITIONS)),
    });
    expect(apply.attributes).toMatchObject({
      [KV_ATTRS.key]: key,
      [KV_ATTRS.version]: publish.attributes[KV_ATTRS.version],
      [KV_ATTRS.outcome]: 'applied',
    });
    expect(db.attributes).toMatchObject({ [KV_ATTRS.dbSystem]: 'postgresql', [KV_ATTRS.key]: key });
    expect(cache.attributes).toMatchObject({ [KV_ATTRS.dbSystem]: 'redis', [KV_ATTRS.key]: key });
    expect(spans.every((s) => s.statusCode !== 2)).toBe(true);
  });
});
