import { primaryKeyOf, type Write } from '@kverse/kv-core';
import { injectContext, KV_ATTRS, KV_SPANS, kvTracer, type MessageHeaders } from '@kverse/telemetry';
import { context, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

const tracer = kvTracer('@kverse/amqp-write-path');

/** The attributes a span about one write carries (key, operation, version). */
export function writeAttributes(write: Write): Record<string, string> {
  return {
    [KV_ATTRS.key]: primaryKeyOf(write),
    [KV_ATTRS.op]: write.op,
    [KV_ATTRS.version]: String(write.version),
  };
}

/** A `kv.write publish` span and the message headers that carry it to the consumer. */
export interface TracedPublish {
  readonly headers: MessageHeaders;
  /** Ends the span, as failed when `err` is given. */
  end(err?: Error): void;
}

/**
 * Starts the `kv.write publish` span of one write (child of the request's span) and injects its context into the
 * message headers (W3C `traceparent`). Without a started SDK the span is a no-op and the headers stay empty.
 */
export function tracePublish(write: Write, exchange: string, routingKey: string, messageId: string): TracedPublish {
  const span: Span = tracer.startSpan(KV_SPANS.writePublish, { kind: SpanKind.PRODUCER });
  if (span.isRecording()) {
    span.setAttributes({
      ...writeAttributes(write),
      [KV_ATTRS.messagingSystem]: 'rabbitmq',
      [KV_ATTRS.messagingOperation]: 'send',
      [KV_ATTRS.messagingDestination]: exchange,
      [KV_ATTRS.messagingRoutingKey]: routingKey,
      [KV_ATTRS.messagingMessageId]: messageId,
    });
  }
  return {
    headers: injectContext({}, trace.setSpan(context.active(), span)),
    end(err) {
      if (err) span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
      span.end();
    },
  };
}
