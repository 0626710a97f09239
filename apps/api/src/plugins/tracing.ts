import { extractContext, kvTracer, type MessageHeaders } from '@kverse/telemetry';
import { context, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's SERVER span (only while tracing is on). */
    kvSpan: Span | null;
  }
}

const tracer = kvTracer('@kverse/api');
/** Probes and scrapes are not traced: they would outnumber the requests worth looking at. */
const UNTRACED = new Set(['/health', '/ready', '/metrics']);
const SERVER = { kind: SpanKind.SERVER };

type OnRequest = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;

/**
 * One SERVER span per request, `<METHOD> <route>` (e.g. `PUT /kv`), continuing the caller's trace when it sends a
 * W3C `traceparent`. The span is the active context of the request's hooks and handler, so the write it publishes
 * (`kv.write publish`) is its child. Registered only when tracing is on, so it costs nothing otherwise; the hook is
 * added to each route as it is declared, with its span name made then, so a request does no lookups for it.
 */
export const tracingPlugin = fp(
  async (app: FastifyInstance) => {
    app.decorateRequest('kvSpan', null);
    app.addHook('onRoute', (route: RouteOptions) => {
      if (UNTRACED.has(route.url)) return;
      const hook = spanHook(route.url);
      const existing = route.onRequest;
      route.onRequest = existing ? [hook, ...(Array.isArray(existing) ? existing : [existing])] : [hook];
    });
    app.addHook('onResponse', (request, reply, done) => {
      const span = request.kvSpan;
      if (span) {
        span.setAttribute('http.response.status_code', reply.statusCode);
        if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      }
      done();
    });
  },
  { name: 'kverse-tracing' },
);

/** The `onRequest` hook of one route: starts its span and runs the rest of the request with the span active. */
function spanHook(route: string): OnRequest {
  const names = new Map<string, string>();
  return (request, _reply, done) => {
    const { method } = request;
    let name = names.get(method);
    if (name === undefined) {
      name = `${method} ${route}`;
      names.set(method, name);
    }
    // Most requests carry no trace context: skip the propagator for them.
    const parent = request.headers.traceparent
      ? extractContext(request.headers as MessageHeaders, ROOT_CONTEXT)
      : ROOT_CONTEXT;
    const span = tracer.startSpan(name, SERVER, parent);
    // Attributes only on recorded spans: a sampled-out request allocates and checks none.
    if (span.isRecording()) span.setAttributes({ 'http.request.method': method, 'http.route': route });
    request.kvSpan = span;
    // Everything that runs from `done` on — later hooks, the handler, its awaits — sees the span as active.
    context.with(trace.setSpan(parent, span), done);
  };
}
