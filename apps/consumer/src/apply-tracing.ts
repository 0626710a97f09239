import { CHANGES_EXCHANGE, WRITES_EXCHANGE, writeAttributes } from '@kverse/amqp-write-path';
import type { ApplyOutcome, Settlement, Write } from '@kverse/kv-core';
import { extractContext, KV_ATTRS, KV_SPANS, kvTracer } from '@kverse/telemetry';
import { type Attributes, context, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ConsumeMessage } from 'amqplib';

export const tracer = kvTracer('@kverse/consumer');

/** The `kv.apply` spans of one batch; see {@link traceApply}. */
export interface TracedBatch {
  /** Runs the batch's work (engine apply, cache update, `kv.changes` publish) as children of the lead span. */
  run<T>(work: () => Promise<T>): Promise<T>;
  /** Records each write's outcome (same order as the batch) and ends every span. */
  settle(outcomes: ReadonlyArray<ApplyOutcome | undefined>): void;
}

/**
 * Starts one `kv.apply` span per message, each the child of its message's `kv.write publish` span (context from the
 * `traceparent` header), so every write's trace continues across the queue. The batch's shared work is recorded
 * once, under the first message's span (the lead); the other messages' spans link to the lead, so each trace leads to
 * the database and cache spans that applied it.
 */
export function traceApply(batch: ReadonlyArray<{ readonly msg: ConsumeMessage; readonly write: Write }>): TracedBatch {
  const spans: Span[] = [];
  for (const { msg, write } of batch) {
    const parent = extractContext(msg.properties.headers, ROOT_CONTEXT);
    const lead = spans[0];
    const span = tracer.startSpan(
      KV_SPANS.apply,
      { kind: SpanKind.CONSUMER, ...(lead?.isRecording() ? { links: [{ context: lead.spanContext() }] } : {}) },
      parent,
    );
    if (span.isRecording()) {
      span.setAttributes({
        ...writeAttributes(write),
        [KV_ATTRS.messagingSystem]: 'rabbitmq',
        [KV_ATTRS.messagingOperation]: 'process',
        [KV_ATTRS.messagingDestination]: WRITES_EXCHANGE,
        [KV_ATTRS.messagingRoutingKey]: msg.fields.routingKey,
        [KV_ATTRS.messagingBatchCount]: batch.length,
        ...(msg.properties.messageId ? { [KV_ATTRS.messagingMessageId]: String(msg.properties.messageId) } : {}),
      });
    }
    spans.push(span);
  }
  const leadContext = spans[0] ? trace.setSpan(ROOT_CONTEXT, spans[0]) : ROOT_CONTEXT;
  let ended = false;
  const endAll = (outcomes: ReadonlyArray<ApplyOutcome | undefined> | undefined, err?: Error) => {
    if (ended) return;
    ended = true;
    spans.forEach((span, i) => {
      const outcome = outcomes?.[i];
      if (outcome) span.setAttribute(KV_ATTRS.outcome, outcome);
      if (err) span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
      span.end();
    });
  };
  return {
    async run(work) {
      try {
        return await context.with(leadContext, work);
      } catch (err) {
        endAll(undefined, err as Error);
        throw err;
      }
    },
    settle: (outcomes) => endAll(outcomes),
  };
}

/** Attributes of a `kv.changes publish` span. */
export function changesAttributes(settled: readonly Settlement[]): Attributes {
  return {
    [KV_ATTRS.messagingSystem]: 'rabbitmq',
    [KV_ATTRS.messagingOperation]: 'send',
    [KV_ATTRS.messagingDestination]: CHANGES_EXCHANGE,
    [KV_ATTRS.messagingBatchCount]: settled.length,
  };
}
