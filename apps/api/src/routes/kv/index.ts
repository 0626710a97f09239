import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { commonErrors, ErrorBody, ListAnswer, Record, WaitQuery, WriteAnswer } from '../../schemas.js';
import { recordJson, sendWrite, waitOption } from '../../services/kv-service.js';

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
          'With `key`: the value of that key (404 when absent). Without: keys in UTF-8 byte order, filtered by `prefix`, ' +
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
    async (request) => {
      const { key, prefix, limit, cursor } = request.query;
      if (key !== undefined) return recordJson(await app.kv.mustGet(key));
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
          'Answers 202 with the version once the write is durably accepted; with `?wait=applied`, answers 200 once ' +
          'it is visible to every read (504 if that takes longer than the configured bound).',
        tags: ['kv'],
        querystring: Type.Object(WaitQuery),
        body: Type.Object(
          { key: Type.String(), value: Type.String({ description: 'UTF-8 text up to 1 MiB' }) },
          { additionalProperties: false },
        ),
        response: { 200: WriteAnswer, 202: WriteAnswer, 504: ErrorBody, ...commonErrors },
      },
    },
    async (request, reply) => {
      const result = await app.kv.put(request.body.key, request.body.value, waitOption(app, request.query.wait));
      return sendWrite(reply, result, request.query.wait === 'applied');
    },
  );

  app.delete(
    '/kv',
    {
      config: { access: 'write' },
      schema: {
        summary: 'Delete a key',
        description: 'Answers like PUT; 404 when the key does not exist.',
        tags: ['kv'],
        querystring: Type.Object({ key: KeyQuery, ...WaitQuery }),
        response: { 200: WriteAnswer, 202: WriteAnswer, 404: ErrorBody, 504: ErrorBody, ...commonErrors },
      },
    },
    async (request, reply) => {
      const result = await app.kv.delete(request.query.key, waitOption(app, request.query.wait));
      return sendWrite(reply, result, request.query.wait === 'applied');
    },
  );
};

export default kvRoutes;
