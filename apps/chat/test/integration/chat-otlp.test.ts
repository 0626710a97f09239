import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHAT_ATTRS, CHAT_SPANS } from '../../src/telemetry/chat-telemetry.js';
import { ChatTestClient, startTestServer, uniqueRoom } from './chat-test-client.js';

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: string | number; doubleValue?: number };
}
interface OtlpSpan {
  name: string;
  attributes: OtlpAttribute[];
}

/** A minimal OTLP/HTTP (JSON) receiver: keeps every request body posted to /v1/traces and /v1/metrics. */
class OtlpReceiver {
  readonly traces: unknown[] = [];
  readonly metrics: unknown[] = [];
  private readonly server: HttpServer = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as unknown;
      if (req.url === '/v1/traces') this.traces.push(body);
      if (req.url === '/v1/metrics') this.metrics.push(body);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  spans(): OtlpSpan[] {
    return (this.traces as Array<{ resourceSpans?: Array<{ scopeSpans?: Array<{ spans?: OtlpSpan[] }> }> }>).flatMap(
      (t) => (t.resourceSpans ?? []).flatMap((r) => (r.scopeSpans ?? []).flatMap((s) => s.spans ?? [])),
    );
  }

  resourceAttributes(): OtlpAttribute[] {
    return (this.traces as Array<{ resourceSpans?: Array<{ resource?: { attributes?: OtlpAttribute[] } }> }>).flatMap(
      (t) => (t.resourceSpans ?? []).flatMap((r) => r.resource?.attributes ?? []),
    );
  }

  metricNames(): Set<string> {
    const names = (
      this.metrics as Array<{
        resourceMetrics?: Array<{ scopeMetrics?: Array<{ metrics?: Array<{ name: string }> }> }>;
      }>
    ).flatMap((m) =>
      (m.resourceMetrics ?? []).flatMap((r) =>
        (r.scopeMetrics ?? []).flatMap((s) => (s.metrics ?? []).map((x) => x.name)),
      ),
    );
    return new Set(names);
  }
}

function attr(span: OtlpSpan, key: string): string | number | undefined {
  const value = span.attributes.find((a) => a.key === key)?.value;
  if (!value) return undefined;
  return value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : value.doubleValue);
}

describe('OpenTelemetry export over OTLP/HTTP', () => {
  const receiver = new OtlpReceiver();
  let endpoint: string;

  beforeAll(async () => {
    endpoint = await receiver.start();
  });
  afterAll(() => receiver.close());

  it('sends one append span per message, one deliver span per delivered batch, and the chat metrics', async () => {
    const server = await startTestServer({
      otlpEndpoint: endpoint,
      otelServiceName: 'chat-under-test',
      otelMetricExportIntervalMs: 200,
      replicaId: 'otlp-replica',
    });
    const room = uniqueRoom('otlp');
    const alice = new ChatTestClient(server.address);
    const bob = new ChatTestClient(server.address);
    try {
      alice.join(room, 'alice');
      bob.join(room, 'bob');
      await bob.waitFor((e) => e.joined?.user === 'bob' && e.requestId !== '');
      await alice.waitFor((e) => e.presence?.users.length === 2);
      for (let i = 0; i < 3; i++) alice.say(room, `hello ${i}`);
      await bob.waitForMessages(room, 3);
      const wanted = ['chat.connections', 'chat.messages', 'chat.deliveries', 'chat.append.duration'];
      await expect
        .poll(() => wanted.filter((name) => !receiver.metricNames().has(name)), { timeout: 10_000 })
        .toEqual([]);
    } finally {
      alice.close();
      bob.close();
      // Closing flushes the batch span processor.
      await server.close();
    }
    const spans = receiver.spans().filter((s) => attr(s, CHAT_ATTRS.room) === room);
    const appends = spans.filter((s) => s.name === CHAT_SPANS.append);
    const deliveries = spans.filter((s) => s.name === CHAT_SPANS.deliver);
    expect(appends.map((s) => attr(s, CHAT_ATTRS.offset)).sort()).toEqual([1, 2, 3]);
    expect(appends.map((s) => attr(s, CHAT_ATTRS.bytes))).toEqual([7, 7, 7]);
    // One deliver span per delivered batch (one message each unless they arrived in one turn), to both members.
    expect(deliveries.reduce((n, s) => n + Number(attr(s, CHAT_ATTRS.batchSize)), 0)).toBe(3);
    expect(new Set(deliveries.map((s) => attr(s, CHAT_ATTRS.recipients)))).toEqual(new Set([2]));
    // Spans per message or batch, not per stream: nothing else carries this room.
    expect(spans).toHaveLength(3 + deliveries.length);
    const resource = receiver.resourceAttributes();
    expect(resource).toContainEqual({ key: 'service.name', value: { stringValue: 'chat-under-test' } });
    expect(resource).toContainEqual({ key: 'service.instance.id', value: { stringValue: 'otlp-replica' } });
  });
});
