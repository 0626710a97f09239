import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ConditionHeaders, commonErrors, ErrorBody, Record, WaitQuery, WriteAnswer, writeErrors } from '../schemas.js';
import { conditionFrom, recordJson, sendWrite, waitOption } from '../services/kv-service.js';

/** A browser opening `/` (HTML wanted, no key): sent to the web UI, with or without a token, since it reads nothing. */
function isBrowserVisit(request: FastifyRequest): boolean {
  return (
    (request.query as { key?: unknown }).key === undefined && request.headers.accept?.includes('text/html') === true
  );
}

/**
 * The seed 001 routes, kept so its clients work unchanged: `PUT /` with `{key_name, key_value}`, `GET /?key=`,
 * `DELETE /?key_name=`. They answer exactly like the `/kv` routes.
 */
const legacyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/',
    {
      config: { access: 'read', publicWhen: isBrowserVisit },
      schema: {
        summary: 'Get a key (seed 001 form)',
        description: 'Browsers asking for HTML without `key` are sent to the web UI at /ui/.',
        tags: ['legacy'],
        querystring: Type.Object({ key: Type.Optional(Type.String()) }),
        response: { 200: Record, 302: Type.Null(), 404: ErrorBody, ...commonErrors },
      },
    },
    async (request, reply) => {
      const { key } = request.query;
      if (isBrowserVisit(request)) return reply.redirect('/ui/');
      // A missing key is validated like an empty one, with the same error as /kv.
      return recordJson(await app.kv.mustGet(key ?? ''));
    },
  );

  app.put(
    '/',
    {
      config: { access: 'write' },
      schema: {
        summary: 'Create or replace a key (seed 001 form)',
        tags: ['legacy'],
        headers: ConditionHeaders,
        querystring: Type.Object(WaitQuery),
        body: Type.Object({ key_name: Type.String(), key_value: Type.String() }, { additionalProperties: false }),
        response: { 200: WriteAnswer, 202: WriteAnswer, ...writeErrors, ...commonErrors },
      },
    },
    async (request, reply) => {
      const { key_name, key_value } = request.body;
      // Conditions as on /kv: a condition the server did not honour would let the client believe it held.
      const condition = conditionFrom(request.headers);
      const result = await app.kv.put(key_name, key_value, {
        ...waitOption(app, request.query.wait),
        ...(condition ? { condition } : {}),
      });
      return sendWrite(reply, result, request.query.wait === 'applied');
    },
  );

  app.delete(
    '/',
    {
      config: { access: 'write' },
      schema: {
        summary: 'Delete a key (seed 001 form)',
        tags: ['legacy'],
        headers: ConditionHeaders,
        querystring: Type.Object({ key_name: Type.String(), ...WaitQuery }),
        response: { 200: WriteAnswer, 202: WriteAnswer, 404: ErrorBody, ...writeErrors, ...commonErrors },
      },
    },
    async (request, reply) => {
      const condition = conditionFrom(request.headers);
      const result = await app.kv.delete(request.query.key_name, {
        ...waitOption(app, request.query.wait),
        ...(condition ? { condition } : {}),
      });
      return sendWrite(reply, result, request.query.wait === 'applied');
    },
  );
};

export default legacyRoutes;
