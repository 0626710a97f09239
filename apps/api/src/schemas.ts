import { MAX_TTL_SECONDS } from '@kverse/data-plane';
import { Type } from 'typebox';

/** Shared response and parameter schemas: validation, serialisation and OpenAPI come from these. */

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({
        description: 'Stable machine-readable code, e.g. KV_ERR_NOT_FOUND',
        examples: ['KV_ERR_NOT_FOUND'],
      }),
      message: Type.String({ description: 'What went wrong, for humans' }),
      details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    }),
  },
  { description: 'Every error answers with this body.' },
);

export const version = Type.String({
  pattern: '^[0-9]+$',
  description: 'Version of the write: a hybrid logical clock timestamp (decimal string; larger is newer)',
  examples: ['116434624594509824'],
});

export const Record = Type.Object({
  key: Type.String(),
  value: Type.String(),
  version,
  createdAt: Type.String({ format: 'date-time', description: 'When the key was created (reset by a delete)' }),
  updatedAt: Type.String({ format: 'date-time', description: 'When the write that produced this value was issued' }),
  expiresAt: Type.Optional(
    Type.String({ format: 'date-time', description: 'When the key expires (its TTL); absent when it never does' }),
  ),
});

export const WriteAnswer = Type.Object({
  key: Type.String(),
  version,
  status: Type.Union([Type.Literal('pending'), Type.Literal('applied')], {
    description:
      '`applied`: visible to every read; `pending`: durably queued, applied shortly — for a conditional write, applied ' +
      'only if its condition still holds then (wait with `?wait=applied` to learn which)',
  }),
  expiresAt: Type.Optional(
    Type.String({ format: 'date-time', description: 'When the key expires, for a put with `ttl`' }),
  ),
});

/** `If-Match` / `If-None-Match` on PUT and DELETE: the write is applied only if the key is at that version / absent. */
export const ConditionHeaders = Type.Object({
  'if-match': Type.Optional(
    Type.String({
      description: 'Apply only if the key exists at this version (the `ETag` of a read or write, quoted or bare)',
      examples: ['"116434624594509824"'],
    }),
  ),
  'if-none-match': Type.Optional(
    Type.String({ description: '`*`: apply only if the key does not exist (create-only)', examples: ['*'] }),
  ),
});

/** Time to live of a put, in seconds. */
export const Ttl = Type.Integer({
  minimum: 1,
  maximum: MAX_TTL_SECONDS,
  description:
    'Time to live in seconds: the key expires (disappears from reads, lists and caches) that long after the write',
});

export const ListAnswer = Type.Object({
  items: Type.Array(Record),
  cursor: Type.Optional(Type.String({ description: 'Pass as `cursor` to get the next page; absent on the last page' })),
});

export const WaitQuery = {
  wait: Type.Optional(
    Type.Literal('applied', { description: 'Answer 200 only once the write is applied (read-your-writes), bounded' }),
  ),
};

/** Answers of a write that may carry a condition. */
export const writeErrors = { 412: ErrorBody, 504: ErrorBody };

/** Error responses every route may give. */
export const commonErrors = {
  400: ErrorBody,
  413: ErrorBody,
  415: ErrorBody,
  429: ErrorBody,
  500: ErrorBody,
  503: ErrorBody,
};
