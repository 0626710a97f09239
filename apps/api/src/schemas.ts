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

const version = Type.String({
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
});

export const WriteAnswer = Type.Object({
  key: Type.String(),
  version,
  status: Type.Union([Type.Literal('pending'), Type.Literal('applied')], {
    description: '`applied`: visible to every read; `pending`: durably queued, applied shortly',
  }),
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

/** Error responses every route may give. */
export const commonErrors = {
  400: ErrorBody,
  413: ErrorBody,
  415: ErrorBody,
  429: ErrorBody,
  500: ErrorBody,
  503: ErrorBody,
};
