import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AccessControl } from '@kverse/access';
import type { DataPlane } from '@kverse/data-plane';
import type { ConfigOf, Logger, ReadinessCheck, Registry } from '@kverse/runtime';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { apiConfigSpec } from './config.js';
import { accessPlugin } from './plugins/access.js';
import { errorsPlugin } from './plugins/errors.js';
import { inputPlugin, parseQueryString, validatorCompiler } from './plugins/input.js';
import { metricsPlugin } from './plugins/metrics.js';
import { openApiPlugin } from './plugins/openapi.js';
import { tracingPlugin } from './plugins/tracing.js';
import { webUiPlugin } from './plugins/web-ui.js';
import healthRoutes from './routes/health.js';
import batchRoutes from './routes/kv/batch.js';
import kvRoutes from './routes/kv/index.js';
import watchRoutes from './routes/kv/watch.js';
import legacyRoutes from './routes/legacy.js';
import { kvService } from './services/kv-service.js';

export type ApiConfig = ConfigOf<typeof apiConfigSpec>;

export interface ApiDeps {
  readonly dataPlane: DataPlane;
  readonly logger: Logger;
  readonly metrics: Registry;
  /** Dependencies reported by `/ready`. */
  readonly readiness?: readonly ReadinessCheck[];
  /** Record a span per request (an OpenTelemetry SDK was started). @default false */
  readonly tracing?: boolean;
  /** Tokens, rate limits and audit log (shared with the gRPC front door in one process). @default open to all */
  readonly access?: AccessControl;
}

/** Builds the REST API from its configuration and dependencies; the caller decides whether and where to listen. */
export async function buildApi(config: ApiConfig, deps: ApiDeps): Promise<FastifyInstance> {
  const limits = deps.dataPlane.limits;
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // Successful requests are counted in metrics, not logged: per-request info lines cost more than half the
    // throughput. Set LOG_LEVEL=debug to see every request.
    logController: new LogController({
      disableRequestLogging: (req) => !deps.logger.isLevelEnabled('debug') || req.url === '/health',
    }),
    // JSON escaping can grow a value up to 6×; anything larger cannot be a valid write.
    bodyLimit: 6 * (limits.maxValueBytes + limits.maxKeyBytes) + 4096,
    routerOptions: { querystringParser: parseQueryString, ignoreTrailingSlash: true },
    // A union in a response schema (GET /kv: a key or a page; POST /kv/get: a record or null) is serialized by
    // testing its branches with ajv; formats never tell our branches apart, and checking them (the date-time regexes)
    // on every answer cost more than the rest of the serialization.
    serializerOpts: { ajv: { validateFormats: false } },
    requestIdHeader: 'x-request-id',
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);

  if (deps.tracing) await app.register(tracingPlugin);
  await app.register(errorsPlugin);
  await app.register(accessPlugin, { access: deps.access ?? AccessControl.open() });
  await app.register(inputPlugin);
  await app.register(metricsPlugin, { registry: deps.metrics });
  await app.register(openApiPlugin);
  await app.register(kvService, { dataPlane: deps.dataPlane, config });

  await app.register(healthRoutes, { checks: deps.readiness ?? [] });
  await app.register(kvRoutes);
  await app.register(batchRoutes);
  await app.register(watchRoutes);
  await app.register(legacyRoutes);
  await app.register(webUiPlugin, { webRoot: config.webRoot });
  return app;
}
