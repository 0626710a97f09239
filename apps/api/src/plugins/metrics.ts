import { Counter, Histogram, LATENCY_BUCKETS, type Registry } from '@kverse/runtime';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export interface MetricsPluginOptions {
  readonly registry: Registry;
}

/** Request counts and latency histograms by route and status, and `GET /metrics` in Prometheus text format. */
export const metricsPlugin = fp<MetricsPluginOptions>(
  async (app: FastifyInstance, { registry }) => {
    const requests = new Counter({
      name: 'kverse_http_requests_total',
      help: 'HTTP requests answered, by method, route and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    });
    const latency = new Histogram({
      name: 'kverse_http_request_duration_seconds',
      help: 'Time to answer HTTP requests, by method, route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    });

    app.addHook('onResponse', async (request, reply) => {
      // The route pattern, not the URL, keeps label cardinality bounded; unknown routes share one label.
      const route = request.routeOptions.url ?? 'unmatched';
      const labels = { method: request.method, route, status: String(reply.statusCode) };
      requests.inc(labels);
      latency.observe(labels, reply.elapsedTime / 1000);
    });

    app.get('/metrics', { schema: { hide: true }, config: { access: 'public' } }, async (_request, reply) => {
      reply.type(registry.contentType);
      return registry.metrics();
    });
  },
  { name: 'kverse-metrics' },
);
