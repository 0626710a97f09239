import { OtlpReceiver, type ReceivedSpan } from '@kverse/telemetry/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHAT_ATTRS, CHAT_SPANS } from '../../src/telemetry/chat-telemetry.js';
import { ChatTestClient, startTestServer, uniqueRoom } from './chat-test-client.js';

function attr(span: ReceivedSpan, key: string): string | number | boolean | undefined {
  return span.attributes[key];
}

describe('OpenTelemetry export over OTLP/HTTP', () => {
  let receiver: OtlpReceiver;
  let endpoint: string;

  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
    endpoint = receiver.url;
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
    expect(appends[0]?.resource).toMatchObject({
      'service.name': 'chat-under-test',
      'service.instance.id': 'otlp-replica',
    });
  });
});
