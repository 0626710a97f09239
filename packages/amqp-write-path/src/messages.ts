import {
  type ApplyOutcome,
  type KeyCondition,
  type Mutation,
  type Precondition,
  parseVersion,
  type Settlement,
  type Version,
  type Write,
} from '@kverse/kv-core';
import { type Static, type TSchema, Type } from 'typebox';
import { Compile, type Validator } from 'typebox/compile';

/**
 * Wire formats on RabbitMQ. Bodies are UTF-8 JSON (`content-type: application/json`); versions are decimal strings
 * (they exceed a JSON number). Every body is validated on receipt; one that fails goes to the dead-letter queue.
 *
 * `kv.writes` — one write per message, persistent, `message-id` a UUID; with tracing on, headers `traceparent` (and
 * `tracestate`) carry the W3C trace context of the publish span (docs/tracing.md):
 *   {"v":1,"op":"put","key":"k","value":"x","version":"1234","writer":"api-1","timestamp":1700000000000}
 *   {"v":1,"op":"delete","key":"k","version":"1235","writer":"api-1","timestamp":1700000000001}
 * optional on put/delete: `"ifVersion":"1200"` (apply only if the key is at that version) or `"ifAbsent":true`
 * (only if the key does not exist) or `"ifExpiredVersion":"1200"` (only if the key is at that version and expired: the
 * expiry sweep's deletes); on put: `"expiresAt":1700000060000` (TTL, ms since the epoch). A transaction:
 *   {"v":1,"op":"txn","version":"1236","writer":"api-1","timestamp":…,
 *    "compares":[{"key":"a","ifVersion":"1200"},{"key":"b","ifAbsent":true}],
 *    "ops":[{"op":"put","key":"a","value":"x"},{"op":"delete","key":"c"}]}
 *
 * `kv.changes` — what a consumer settled after its database commit, one message per batch:
 *   {"v":2,"applied":[{...a put or delete as above, without conditions...}],
 *    "settled":[{"version":"1234","writer":"api-1","outcome":"applied"|"superseded"|"failed"}]}
 * `applied`: the mutations that changed keys, in commit order (feed watch). `settled`: the outcome of every write of
 * the batch (ends `?wait=applied` waits, matched by stamp) — see `ApplyOutcome`.
 */

const VersionString = Type.String({ pattern: '^(0|[1-9][0-9]{0,18})$' });
const Writer = Type.String({ minLength: 1, maxLength: 64 });
const Condition = {
  ifVersion: Type.Optional(VersionString),
  ifAbsent: Type.Optional(Type.Literal(true)),
  ifExpiredVersion: Type.Optional(VersionString),
};
const Stamped = { version: VersionString, writer: Writer, timestamp: Type.Integer({ minimum: 0 }) };

const PutOp = Type.Object(
  {
    op: Type.Literal('put'),
    key: Type.String({ minLength: 1 }),
    value: Type.String(),
    expiresAt: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
const DeleteOp = Type.Object(
  { op: Type.Literal('delete'), key: Type.String({ minLength: 1 }) },
  { additionalProperties: false },
);

const MutationMessage = Type.Union([
  Type.Object({ v: Type.Literal(1), ...PutOp.properties, ...Stamped, ...Condition }, { additionalProperties: false }),
  Type.Object(
    { v: Type.Literal(1), ...DeleteOp.properties, ...Stamped, ...Condition },
    { additionalProperties: false },
  ),
]);

const TxnMessage = Type.Object(
  {
    v: Type.Literal(1),
    op: Type.Literal('txn'),
    ...Stamped,
    compares: Type.Array(
      Type.Object({ key: Type.String({ minLength: 1 }), ...Condition }, { additionalProperties: false }),
      { maxItems: 1024 },
    ),
    ops: Type.Array(Type.Union([PutOp, DeleteOp]), { minItems: 1, maxItems: 1024 }),
  },
  { additionalProperties: false },
);

export const WriteMessageSchema = Type.Union([MutationMessage, TxnMessage]);
export type WriteMessage = Static<typeof WriteMessageSchema>;

export const ChangeMessageSchema = Type.Object({
  v: Type.Literal(2),
  applied: Type.Array(MutationMessage),
  settled: Type.Array(
    Type.Object({
      version: VersionString,
      writer: Writer,
      outcome: Type.Union([Type.Literal('applied'), Type.Literal('superseded'), Type.Literal('failed')]),
    }),
  ),
});
export type ChangeMessage = Static<typeof ChangeMessageSchema>;

/** What a consumer publishes after a commit. */
export interface Changes {
  readonly applied: readonly Mutation[];
  readonly settled: readonly Settlement[];
}

export function encodeWrite(write: Write): Buffer {
  return Buffer.from(JSON.stringify(toWire(write)), 'utf8');
}

/** Decodes a `kv.writes` body; throws an Error saying what is wrong (the dead-letter reason). */
export function decodeWrite(body: Buffer): Write {
  return fromWire(parseChecked(body, WriteMessageValidator, 'write'));
}

export function encodeChanges(changes: Changes): Buffer {
  const message: ChangeMessage = {
    v: 2,
    applied: changes.applied.map((m) => mutationToWire({ ...m, condition: undefined })),
    settled: changes.settled.map((s) => ({ version: s.version.toString(), writer: s.writer, outcome: s.outcome })),
  };
  return Buffer.from(JSON.stringify(message), 'utf8');
}

export function decodeChanges(body: Buffer): Changes {
  const message = parseChecked(body, ChangeMessageValidator, 'change');
  return {
    applied: message.applied.map(mutationFromWire),
    settled: message.settled.map((s) => ({
      version: versionOf(s.version),
      writer: s.writer,
      outcome: s.outcome as ApplyOutcome,
    })),
  };
}

interface WireCondition {
  ifVersion?: string;
  ifAbsent?: true;
  ifExpiredVersion?: string;
}

function conditionToWire(c: Precondition | undefined): WireCondition {
  if (c === undefined) return {};
  if ('absent' in c) return { ifAbsent: true };
  if ('expiredVersion' in c) return { ifExpiredVersion: c.expiredVersion.toString() };
  return { ifVersion: c.version.toString() };
}

function conditionFromWire(w: WireCondition): Precondition | undefined {
  const given = [w.ifVersion, w.ifAbsent, w.ifExpiredVersion].filter((c) => c !== undefined).length;
  if (given > 1) throw new Error('more than one of ifVersion, ifAbsent and ifExpiredVersion given');
  if (w.ifVersion !== undefined) return { version: versionOf(w.ifVersion) };
  if (w.ifExpiredVersion !== undefined) return { expiredVersion: versionOf(w.ifExpiredVersion) };
  return w.ifAbsent ? { absent: true } : undefined;
}

function mutationToWire(m: Mutation): Static<typeof MutationMessage> {
  const base = {
    v: 1 as const,
    key: m.key,
    version: m.version.toString(),
    writer: m.writer,
    timestamp: m.timestamp,
    ...conditionToWire(m.condition),
  };
  if (m.op === 'delete') return { ...base, op: 'delete' };
  return { ...base, op: 'put', value: m.value, ...(m.expiresAt === undefined ? {} : { expiresAt: m.expiresAt }) };
}

function toWire(w: Write): WriteMessage {
  if (w.op !== 'txn') return mutationToWire(w);
  return {
    v: 1,
    op: 'txn',
    version: w.version.toString(),
    writer: w.writer,
    timestamp: w.timestamp,
    compares: w.compares.map((c) => ({ key: c.key, ...conditionToWire(c.condition) })),
    ops: w.mutations.map((m) =>
      m.op === 'delete'
        ? { op: 'delete' as const, key: m.key }
        : {
            op: 'put' as const,
            key: m.key,
            value: m.value,
            ...(m.expiresAt === undefined ? {} : { expiresAt: m.expiresAt }),
          },
    ),
  };
}

function mutationFromWire(w: Static<typeof MutationMessage>): Mutation {
  const condition = conditionFromWire(w);
  const base = {
    key: w.key,
    version: versionOf(w.version),
    writer: w.writer,
    timestamp: w.timestamp,
    ...(condition === undefined ? {} : { condition }),
  };
  if (w.op === 'delete') return { ...base, op: 'delete' };
  return { ...base, op: 'put', value: w.value, ...(w.expiresAt === undefined ? {} : { expiresAt: w.expiresAt }) };
}

function fromWire(w: WriteMessage): Write {
  if (w.op !== 'txn') return mutationFromWire(w);
  const stamp = { version: versionOf(w.version), writer: w.writer, timestamp: w.timestamp };
  const compares = w.compares.map((c): KeyCondition => {
    const condition = conditionFromWire(c);
    if (condition === undefined) throw new Error(`compare on ${JSON.stringify(c.key)} has no condition`);
    return { key: c.key, condition };
  });
  const mutations = w.ops.map(
    (o): Mutation =>
      o.op === 'delete'
        ? { op: 'delete', key: o.key, ...stamp }
        : {
            op: 'put',
            key: o.key,
            value: o.value,
            ...stamp,
            ...(o.expiresAt === undefined ? {} : { expiresAt: o.expiresAt }),
          },
  );
  return { op: 'txn', ...stamp, compares, mutations };
}

function versionOf(text: string): Version {
  const version = parseVersion(text);
  if (version === undefined) throw new Error(`version out of range: ${text}`);
  return version;
}

// Compiled once: every message on both queues is checked on receipt (each API replica reads every kv.changes batch),
// and the interpreted `Value.Check` cost more than everything else the API does per write.
const WriteMessageValidator = Compile(WriteMessageSchema);
const ChangeMessageValidator = Compile(ChangeMessageSchema);
/** Stateless between calls (no `stream` option), so one instance serves every message. */
const utf8 = new TextDecoder('utf-8', { fatal: true });

function parseChecked<S extends TSchema>(body: Buffer, validator: Validator<{}, S>, what: string): Static<S> {
  let data: unknown;
  try {
    data = JSON.parse(utf8.decode(body));
  } catch (err) {
    throw new Error(`${what} message is not UTF-8 JSON: ${(err as Error).message}`);
  }
  if (!validator.Check(data)) {
    const first = validator.Errors(data)[0];
    throw new Error(`${what} message does not match its schema: ${first?.instancePath ?? ''} ${first?.message ?? ''}`);
  }
  return data as Static<S>;
}
