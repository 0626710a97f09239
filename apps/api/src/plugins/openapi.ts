import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { markPublic } from './access.js';

/** OpenAPI 3 at `/openapi.json`, generated from the route schemas, and Swagger UI at `/docs`. */
export const openApiPlugin = fp(
  async (app: FastifyInstance) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'KVerse REST API',
          version: '0.1.0',
          description:
            'Key-value API. Writes are versioned and applied asynchronously: PUT and DELETE answer 202 with the ' +
            'version, or 200 with `?wait=applied`. Errors are `{"error":{"code","message"}}`.',
        },
        tags: [
          { name: 'kv', description: 'Keys and values' },
          { name: 'legacy', description: 'The original `/` routes (key_name/key_value)' },
          { name: 'ops', description: 'Health and readiness' },
        ],
      },
    });
    // Swagger UI's routes cannot declare their access: an encapsulated context marks them public.
    await app.register(async (docs) => {
      markPublic(docs);
      await docs.register(swaggerUi, { routePrefix: '/docs' });
    });
    app.get('/openapi.json', { schema: { hide: true }, config: { access: 'public' } }, async () => app.swagger());
  },
  { name: 'kverse-openapi' },
);
