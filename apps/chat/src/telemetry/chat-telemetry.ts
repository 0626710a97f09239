import { Counter, Gauge, Histogram, LATENCY_BUCKETS, type Registry } from '@kverse/runtime';
import type { Telemetry } from '@kverse/telemetry';
import type {
  Attributes,
  Counter as OtelCounter,
  Histogram as OtelHistogram,
  Tracer,
  UpDownCounter,
} from '@opentelemetry/api';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ChatRecord } from '../domain/chat-events.js';
import type { ChatObserver } from '../domain/chat-observer.js';

/** Span and attribute names, shared with the OTLP test and the docs. */
export const CHAT_SPANS = { append: 'chat.append', deliver: 'chat.deliver' } as const;
export const CHAT_ATTRS = {
  room: 'chat.room',
  offset: 'chat.offset',
  bytes: 'chat.message.bytes',
  recipients: 'chat.recipients',
  /** Messages in one delivered batch; `chat.offset` is the first one's. */
  batchSize: 'chat.batch.size',
  errorCode: 'error.code',
  reason: 'chat.close_reason',
} as const;

interface OtelInstruments {
  readonly tracer: Tracer;
  readonly connections: UpDownCounter;
  readonly messages: OtelCounter;
  readonly deliveries: OtelCounter;
  readonly rejected: OtelCounter;
  readonly appendSeconds: OtelHistogram;
}

/**
 * The hub's {@link ChatObserver}: Prometheus metrics always, OpenTelemetry spans and metrics when an SDK was
 * started. Spans are per message (`chat.append`) and per delivered batch on each replica (`chat.deliver`, one
 * message unless a burst accumulated), never per stream.
 */
export class ChatTelemetry implements ChatObserver {
  private readonly connections: Gauge;
  private readonly closed: Counter;
  private readonly messages: Counter;
  private readonly deliveries: Counter;
  private readonly rejected: Counter;
  private readonly appendSeconds: Histogram;
  private readonly lagSeconds: Histogram;
  private readonly otel: OtelInstruments | undefined;

  constructor(registry: Registry, otel: Telemetry | undefined, wallClockMs: () => number = Date.now) {
    this.wallClockMs = wallClockMs;
    const registers = [registry];
    this.connections = new Gauge({ name: 'kverse_chat_connections', help: 'Open chat connections.', registers });
    this.closed = new Counter({
      name: 'kverse_chat_connections_closed_total',
      help: 'Chat connections closed, by reason (client, slow_consumer, shutdown).',
      labelNames: ['reason'],
      registers,
    });
    this.messages = new Counter({
      name: 'kverse_chat_messages_total',
      help: 'Messages appended to rooms by this server.',
      registers,
    });
    this.deliveries = new Counter({
      name: 'kverse_chat_deliveries_total',
      help: 'Messages handed to connections on this server (one per recipient).',
      registers,
    });
    this.rejected = new Counter({
      name: 'kverse_chat_rejected_total',
      help: 'Envelopes refused, by KV_ERR_* code.',
      labelNames: ['code'],
      registers,
    });
    this.appendSeconds = new Histogram({
      name: 'kverse_chat_append_seconds',
      help: 'Time to append one message to its room (offset assigned, stored, announced).',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.lagSeconds = new Histogram({
      name: 'kverse_chat_delivery_lag_seconds',
      help: 'From acceptance of a message to its fan-out on this server.',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    if (otel) {
      const { meter } = otel;
      this.otel = {
        tracer: otel.tracer,
        connections: meter.createUpDownCounter('chat.connections', { description: 'Open chat connections.' }),
        messages: meter.createCounter('chat.messages', { description: 'Messages appended by this server.' }),
        deliveries: meter.createCounter('chat.deliveries', { description: 'Messages handed to connections.' }),
        rejected: meter.createCounter('chat.rejected', { description: 'Envelopes refused, by error.code.' }),
        appendSeconds: meter.createHistogram('chat.append.duration', {
          description: 'Time to append one message to its room.',
          unit: 's',
        }),
      };
    }
  }

  private readonly wallClockMs: () => number;

  connectionOpened(): void {
    this.connections.inc();
    this.otel?.connections.add(1);
  }

  connectionClosed(reason: string): void {
    this.connections.dec();
    this.closed.inc({ reason });
    this.otel?.connections.add(-1, { [CHAT_ATTRS.reason]: reason });
  }

  envelopeRejected(code: string): void {
    this.rejected.inc({ code });
    this.otel?.rejected.add(1, { [CHAT_ATTRS.errorCode]: code });
  }

  async traceAppend<T>(room: string, bytes: number, append: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const otel = this.otel;
    if (!otel) {
      const result = await append();
      this.appended(started);
      return result;
    }
    const attributes: Attributes = { [CHAT_ATTRS.room]: room, [CHAT_ATTRS.bytes]: bytes };
    return otel.tracer.startActiveSpan(CHAT_SPANS.append, { kind: SpanKind.PRODUCER, attributes }, async (span) => {
      try {
        const result = await append();
        const offset = (result as { offset?: unknown }).offset;
        if (typeof offset === 'number') span.setAttribute(CHAT_ATTRS.offset, offset);
        const seconds = this.appended(started);
        otel.messages.add(1);
        otel.appendSeconds.record(seconds);
        return result;
      } catch (err) {
        span.recordException(err as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
        throw err;
      } finally {
        span.end();
      }
    });
  }

  delivered(room: string, records: readonly ChatRecord[], recipients: number): void {
    const deliveries = recipients * records.length;
    this.deliveries.inc(deliveries);
    const now = this.wallClockMs();
    for (const record of records) this.lagSeconds.observe(Math.max(0, now - record.sentAtMs) / 1000);
    const otel = this.otel;
    if (!otel) return;
    otel.deliveries.add(deliveries);
    otel.tracer
      .startSpan(CHAT_SPANS.deliver, {
        kind: SpanKind.CONSUMER,
        attributes: {
          [CHAT_ATTRS.room]: room,
          [CHAT_ATTRS.offset]: records[0]?.offset ?? 0,
          [CHAT_ATTRS.batchSize]: records.length,
          [CHAT_ATTRS.recipients]: recipients,
        },
      })
      .end();
  }

  private appended(started: number): number {
    const seconds = (performance.now() - started) / 1000;
    this.messages.inc();
    this.appendSeconds.observe(seconds);
    return seconds;
  }
}
