import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { MAX_BULK_KEYS, type TxnOperation } from '@kverse/data-plane';
import { KvError, MAX_TXN_OPS, parseVersion, type Version } from '@kverse/kv-core';
import { Type } from 'typebox';
import { commonErrors, Record, Ttl, version, WaitQuery, writeErrors } from '../../schemas.js';
import { etag, recordJson, waitOption } from '../../services/kv-service.js';

const Compare = Type.Union(
  [
    Type.Object(
      { key: Type.String(), version: { ...version, description: 'Holds when the key exists at exactly this version' } },
      { additionalProperties: false },
    ),
    Type.Object(
      { key: Type.String(), absent: Type.Literal(true, { description: 'Holds when the key does not exist' }) },
      { additionalProperties: false },
    ),
  ],
  { description: 'A condition on one key, checked when the transaction is applied' },
);

const Operation = Type.Union([
  Type.Object(
    { op: Type.Literal('put'), key: Type.String(), value: Type.String(), ttl: Type.Optional(Ttl) },
    { additionalProperties: false },
  ),
  Type.Object({ op: Type.Literal('delete'), key: Type.String() }, { additionalProperties: false }),
]);

const TxnAnswer = Type.Object({
  version: { ...version, description: 'The version every write of the transaction carries' },
  status: Type.Union([Type.Literal('pending'), Type.Literal('applied')], {
    description:
      '`applied`: every compare held and the writes are visible together; `pending`: durably queued, applied (all ' +
      'or nothing) if the compares still hold then',
  }),
});

/** `POST /kv/txn` (atomic multi-key writes) and `POST /kv/get` (bulk get). */
const batchRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/kv/txn',
    {
      config: { access: 'write' },
      schema: {
        summary: 'Apply puts and deletes atomically, if every compare holds',
        description:
          `Up to ${MAX_TXN_OPS} operations on distinct keys and ${MAX_TXN_OPS} compares. When the transaction is ` +
          'applied, every compare is checked against the stored keys; if all hold, every operation becomes visible ' +
          'at once with one version, else none does (412 with `?wait=applied`). A reader never sees part of it.',
        tags: ['kv'],
        querystring: Type.Object(WaitQuery),
        body: Type.Object(
          {
            compares: Type.Optional(Type.Array(Compare, { maxItems: MAX_TXN_OPS })),
            operations: Type.Array(Operation, { minItems: 1, maxItems: MAX_TXN_OPS }),
          },
          { additionalProperties: false },
        ),
        response: { 200: TxnAnswer, 202: TxnAnswer, ...writeErrors, ...commonErrors },
      },
    },
    async (request, reply) => {
      const { compares = [], operations } = request.body;
      const result = await app.kv.transact(
        {
          compares: compares.map((c) => ({
            key: c.key,
            condition: 'absent' in c ? ({ absent: true } as const) : { version: compareVersion(c.key, c.version) },
          })),
          operations: operations.map(
            (o): TxnOperation =>
              o.op === 'delete'
                ? { op: 'delete', key: o.key }
                : { op: 'put', key: o.key, value: o.value, ...(o.ttl !== undefined ? { ttlSeconds: o.ttl } : {}) },
          ),
        },
        waitOption(app, request.query.wait),
      );
      const version = result.version.toString();
      request.written = { keys: operations.map((o) => o.key), version, applied: result.applied };
      return reply
        .code(request.query.wait === 'applied' ? 200 : 202)
        .header('etag', etag(result.version))
        .send({ version, status: result.applied ? 'applied' : 'pending' });
    },
  );

  app.post(
    '/kv/get',
    {
      config: { access: 'read' },
      schema: {
        summary: 'Get several keys at once',
        description:
          `Up to ${MAX_BULK_KEYS} keys, read from one consistent view: a transaction is wholly visible or not at all. ` +
          'The answer lists them in the order asked, `null` for a key that does not exist.',
        tags: ['kv'],
        body: Type.Object(
          { keys: Type.Array(Type.String(), { maxItems: MAX_BULK_KEYS }) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(Type.Union([Record, Type.Null()])) }), ...commonErrors },
      },
    },
    async (request) => {
      const records = await app.kv.getMany(request.body.keys);
      return { items: records.map((r) => (r === undefined ? null : recordJson(r))) };
    },
  );
};

export default batchRoutes;

function compareVersion(key: string, text: string): Version {
  const v = parseVersion(text);
  if (v === undefined) {
    throw new KvError('KV_ERR_INVALID_ARGUMENT', `compare on ${JSON.stringify(key)}: ${text} is not a version`);
  }
  return v;
}
