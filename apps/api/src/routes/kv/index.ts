import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  ConditionHeaders,
  commonErrors,
  ErrorBody,
  ListAnswer,
  Record,
  Ttl,
  WaitQuery,
  WriteAnswer,
  writeErrors,
} from '../../schemas.js';
import { conditionFrom, etag, recordJson, sendWrite, waitOption } from '../../services/kv-service.js';

const KeyQuery = Type.String({ description: 'The key (1–1024 bytes of UTF-8, no control characters)' });

/** The seed 002 routes: `PUT /kv`, `GET /kv?key=` (or a list without `key`), `DELETE /kv?key=`. */
const kvRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/kv',
    {
      config: { access: 'read' },
      schema: {
        summary: 'Get a key, or list keys',
        description:
          'With `key`: the value of that key (404 when absent), its version also as the `ETag` header. Without: keys in ' +
          'UTF-8 byte order, filtered by `prefix`, ' +
          'paged by `limit` and `cursor`.',
        tags: ['kv'],
        querystring: Type.Object({
          key: Type.Optional(KeyQuery),
          prefix: Type.Optional(Type.String({ description: 'List only keys starting with this' })),
          limit: Type.Optional(Type.Integer({ minimum: 1, default: 100, description: 'Page size' })),
          cursor: Type.Optional(Type.String({ description: 'The `cursor` of the previous page' })),
        }),
        response: { 200: Type.Union([Record, ListAnswer]), 404: ErrorBody, ...commonErrors },
      },
    },
    async (request, reply) => {
      const { key, prefix, limit, cursor } = request.query;
      if (key !== undefined) {
        const record = await app.kv.mustGet(key);
        reply.header('etag', etag(record.version));
        return recordJson(record);
      }
      const page = await app.kv.list({
        limit: Math.min(limit ?? 100, app.apiConfig.maxListLimit),
        ...(prefix !== undefined ? { prefix } : {}),
        ...(cursor !== undefined ? { cursor } : {}),
      });
      return { items: page.records.map(recordJson), ...(page.cursor ? { cursor: page.cursor } : {}) };
    },
  );

  app.put(
    '/kv',
    {
      config: { access: 'write' },
      schema: {
        summary: 'Create or replace a key',
        description:
          'Answers 202 with the version (body and `ETag`) once the write is durably accepted; with `?wait=applied`, ' +
          'answers 200 once it is visible to every read (504 if that takes longer than the configured bound). ' +
          '`If-Match: <version>` / `If-None-Match: *` make it conditional: checked when the write is applied, so only ' +
          'a waited write learns the outcome (412 when the condition did not hold and nothing was written). `ttl` ' +
          'makes the key expire that many seconds later.',
        tags: ['kv'],
        headers: ConditionHeaders,
        querystring: Type.Object(WaitQuery),
        body: Type.Object(
          {
            key: Type.String(),
            value: Type.String({ description: 'UTF-8 text up to 1 MiB' }),
            ttl: Type.Optional(Ttl),
          },
          { additionalProperties: false },
        ),
        response: { 200: WriteAnswer, 202: WriteAnswer, ...writeErrors, ...commonErrors },
      },
    },
    async (request, reply) => {
      const { key, value, ttl } = request.body;
      const condition = conditionFrom(request.headers);
      const result = await app.kv.put(key, value, {
        ...waitOption(app, request.query.wait),
        ...(condition ? { condition } : {}),
        ...(ttl !== undefined ? { ttlSeconds: ttl } : {}),
      });
      return sendWrite(reply, result, request.query.wait === 'applied');
    },
  );

  app.delete(
    '/kv',
    {
      config: { access: 'write' },
      schema: {
        summary: 'Delete a key',
        description:
          'Answers like PUT; 404 when the key does not exist. With `If-Match: <version>` the delete is conditional ' +
          'like a conditional PUT (and a missing key is a failed condition, 412, not a 404).',
        tags: ['kv'],
        headers: ConditionHeaders,
        querystring: Type.Object({ key: KeyQuery, ...WaitQuery }),
        response: { 200: WriteAnswer, 202: WriteAnswer, 404: ErrorBody, ...writeErrors, ...commonErrors },
      },
    },
    async (request, reply) => {
      const condition = conditionFrom(request.headers);
      const result = await app.kv.delete(request.query.key, {
        ...waitOption(app, request.query.wait),
        ...(condition ? { condition } : {}),
      });
      return sendWrite(reply, result, request.query.wait === 'applied');
    },
  );
};

export default kvRoutes;
