import { type Attributes, type Span, SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';

/**
 * Runs `fn` inside a new active span (so spans started within are its children) and ends it when `fn` settles; a
 * rejection marks the span as failed and is rethrown. `attributes` is called only when the span is recorded, so an
 * unsampled or disabled trace costs no attribute objects.
 */
export function inSpan<T>(
  tracer: Tracer,
  name: string,
  kind: SpanKind,
  attributes: (() => Attributes) | undefined,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(name, { kind }, async (span) => {
    if (attributes && span.isRecording()) span.setAttributes(attributes());
    try {
      return await fn(span);
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      throw err;
    } finally {
      span.end();
    }
  });
}

export { SpanKind };
