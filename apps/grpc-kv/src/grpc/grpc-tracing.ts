import type { Metadata } from '@grpc/grpc-js';
import { extractContext, inSpan, kvTracer, SpanKind } from '@kverse/telemetry';
import { context, ROOT_CONTEXT } from '@opentelemetry/api';

const tracer = kvTracer('@kverse/grpc-kv');
const SERVICE = 'kvstore.KvStore';

/**
 * Runs one unary call inside a SERVER span `kvstore.KvStore/<method>`, continuing the caller's trace when its
 * metadata carries a W3C `traceparent`. Writes made by the call (the `kv.write publish` span) are its children.
 */
export function traceUnary<T>(method: string, metadata: Metadata, run: () => Promise<T>): Promise<T> {
  const traceparent = metadata.get('traceparent')[0];
  const parent = traceparent
    ? extractContext({ traceparent, tracestate: metadata.get('tracestate')[0] }, ROOT_CONTEXT)
    : ROOT_CONTEXT;
  return context.with(parent, () =>
    inSpan(
      tracer,
      `${SERVICE}/${method}`,
      SpanKind.SERVER,
      () => ({ 'rpc.system': 'grpc', 'rpc.service': SERVICE, 'rpc.method': method }),
      run,
    ),
  );
}
