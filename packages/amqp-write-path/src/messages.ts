import { type Mutation, parseVersion } from '@kverse/kv-core';
import { type Static, Type } from 'typebox';
import { Value } from 'typebox/value';

/**
 * Wire formats on RabbitMQ. Bodies are UTF-8 JSON (`content-type: application/json`); versions are decimal strings
 * (they exceed a JSON number). Every body is validated on receipt; one that fails goes to the dead-letter queue.
 *
 * `kv.writes` — one write per message, persistent, `message-id` a UUID:
 *   {"v":1,"op":"put","key":"k","value":"x","version":"1234","writer":"api-1","timestamp":1700000000000}
 *   {"v":1,"op":"delete","key":"k","version":"1235","writer":"api-1","timestamp":1700000000001}
 *
 * `kv.changes` — what a consumer settled after its database commit, one message per batch:
 *   {"v":1,"changes":[{...a write as above..., "outcome":"applied"}, {..., "outcome":"superseded"}]}
 * `applied`: the write changed the key (feeds watch and read-your-writes). `superseded`: a newer write of the key was
 * already stored, so this one never will be (ends `?wait=applied` without a watch event).
 */
export const WriteMessageSchema = Type.Object(
  {
    v: Type.Literal(1),
    op: Type.Union([Type.Literal('put'), Type.Literal('delete')]),
    key: Type.String({ minLength: 1 }),
    value: Type.Optional(Type.String()),
    version: Type.String({ pattern: '^(0|[1-9][0-9]{0,18})$' }),
    writer: Type.String({ minLength: 1, maxLength: 64 }),
    timestamp: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type WriteMessage = Static<typeof WriteMessageSchema>;

export const ChangeMessageSchema = Type.Object({
  v: Type.Literal(1),
  changes: Type.Array(
    Type.Object({
      ...WriteMessageSchema.properties,
      outcome: Type.Union([Type.Literal('applied'), Type.Literal('superseded')]),
    }),
  ),
});
export type ChangeMessage = Static<typeof ChangeMessageSchema>;

export type Outcome = 'applied' | 'superseded';

export function encodeWrite(m: Mutation): Buffer {
  return Buffer.from(JSON.stringify(toWire(m)), 'utf8');
}

/** Decodes a `kv.writes` body; throws an Error saying what is wrong (the dead-letter reason). */
export function decodeWrite(body: Buffer): Mutation {
  return fromWire(parseChecked(body, WriteMessageSchema, 'write'));
}

export function encodeChanges(changes: ReadonlyArray<{ mutation: Mutation; outcome: Outcome }>): Buffer {
  const message: ChangeMessage = {
    v: 1,
    changes: changes.map((c) => ({ ...toWire(c.mutation), outcome: c.outcome })),
  };
  return Buffer.from(JSON.stringify(message), 'utf8');
}

export function decodeChanges(body: Buffer): Array<{ mutation: Mutation; outcome: Outcome }> {
  const message = parseChecked(body, ChangeMessageSchema, 'change');
  return message.changes.map(({ outcome, ...write }) => ({ mutation: fromWire(write), outcome }));
}

function toWire(m: Mutation): WriteMessage {
  const base = { v: 1 as const, key: m.key, version: m.version.toString(), writer: m.writer, timestamp: m.timestamp };
  return m.op === 'put' ? { ...base, op: 'put', value: m.value } : { ...base, op: 'delete' };
}

function fromWire(w: WriteMessage): Mutation {
  const version = parseVersion(w.version);
  if (version === undefined) throw new Error(`version out of range: ${w.version}`);
  const base = { key: w.key, version, writer: w.writer, timestamp: w.timestamp };
  if (w.op === 'delete') return { ...base, op: 'delete' };
  if (w.value === undefined) throw new Error('a put without a value');
  return { ...base, op: 'put', value: w.value };
}

function parseChecked<S extends typeof WriteMessageSchema | typeof ChangeMessageSchema>(
  body: Buffer,
  schema: S,
  what: string,
): Static<S> {
  let data: unknown;
  try {
    data = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch (err) {
    throw new Error(`${what} message is not UTF-8 JSON: ${(err as Error).message}`);
  }
  if (!Value.Check(schema, data)) {
    const first = [...Value.Errors(schema, data)][0];
    throw new Error(`${what} message does not match its schema: ${first?.instancePath ?? ''} ${first?.message ?? ''}`);
  }
  return data as Static<S>;
}
