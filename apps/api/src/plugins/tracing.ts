import { extractContext, kvTracer, type MessageHeaders } from '@kverse/telemetry';
import { context, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's SERVER span (only while tracing is on). */
    kvSpan: Span | null;
  }
}

const tracer = kvTracer('@kverse/api');
const UNTRACED = new Set(['/health', '/ready', '/metrics']);
const SERVER = { kind: SpanKind.SERVER };

/**
 * One SERVER span per request, `<METHOD> <route>` (e.g. `PUT /kv`), continuing the caller's trace when it sends a
 * W3C `traceparent`. The span is the active context of the request's hooks and handler, so the write it publishes
 * (`kv.write publish`) is its child. Registered only when tracing is on, so it costs nothing otherwise.
 */
export const tracingPlugin = fp(
  async (app: FastifyInstance) => {
    app.decorateRequest('kvSpan', null);
    app.addHook('onRequest', (request, _reply, done) => {
      // Probes and scrapes are not traced: they would outnumber the requests worth looking at.
      if (UNTRACED.has(request.routeOptions.url ?? '')) return done();
      // Most requests carry no trace context: skip the propagator for them.
      const parent = request.headers.traceparent
        ? extractContext(request.headers as MessageHeaders, ROOT_CONTEXT)
        : ROOT_CONTEXT;
      // Routing has happened: the span is named and described once, at its start.
      const route = request.routeOptions.url ?? '';
      const span = tracer.startSpan(route ? `${request.method} ${route}` : request.method, SERVER, parent);
      // Attributes only on recorded spans: a sampled-out request allocates and checks none.
      if (span.isRecording()) span.setAttributes({ 'http.request.method': request.method, 'http.route': route });
      request.kvSpan = span;
      // Everything that runs from `done` on — later hooks, the handler, its awaits — sees the span as active.
      context.with(trace.setSpan(parent, span), done);
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
