import { type Static, Type } from 'typebox';
import { Compile } from 'typebox/compile';
import type { TxnRequest } from '../generated/kvstore/TxnRequest.js';

/**
 * # Transaction document (`kverse kv txn`)
 *
 * One JSON object, in the proto3 JSON form of `kvstore.TxnRequest`, so the same file also works with
 * `grpcurl -d @ … kvstore.KvStore/Txn < txn.json`:
 *
 * ```json
 * {
 *   "compares": [{ "key": "acct/a", "version": "117739018804920320" }, { "key": "lock", "absent": true }],
 *   "ops": [
 *     { "put": { "key": "acct/a", "value": "90" } },
 *     { "put": { "key": "lock", "value": "me", "ttlSeconds": 30 } },
 *     { "delete": { "key": "acct/old" } }
 *   ]
 * }
 * ```
 *
 * `compares` (optional) must all hold, each naming a `version` (a decimal string: versions exceed 2^53, which JSON
 * numbers cannot carry exactly) or `"absent": true`; `ops` are 1..128 puts and deletes of distinct keys;
 * `waitApplied` (optional) answers once applied. Unknown fields are refused, so a typo cannot silently drop a
 * condition. Key and size rules are the server's.
 */
const strict = { additionalProperties: false } as const;
const Key = Type.String();
const Compare = Type.Union([
  Type.Object({ key: Key, version: Type.String({ pattern: '^[0-9]{1,19}$' }) }, strict),
  Type.Object({ key: Key, absent: Type.Literal(true) }, strict),
]);
const Op = Type.Union([
  Type.Object(
    {
      put: Type.Object(
        { key: Key, value: Type.String(), ttlSeconds: Type.Optional(Type.Integer({ minimum: 0 })) },
        strict,
      ),
    },
    strict,
  ),
  Type.Object({ delete: Type.Object({ key: Key }, strict) }, strict),
]);
export const TxnDocument = Type.Object(
  { compares: Type.Optional(Type.Array(Compare)), ops: Type.Array(Op), waitApplied: Type.Optional(Type.Boolean()) },
  strict,
);
export type TxnDocument = Static<typeof TxnDocument>;

const validator = Compile(TxnDocument);

/** Parses a transaction document into a Txn request; throws an Error saying what is wrong with it. */
export function parseTxnDocument(text: string): TxnRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`transaction is not JSON: ${(err as Error).message}`);
  }
  if (!validator.Check(parsed)) {
    const first = validator.Errors(parsed)[0];
    throw new Error(`transaction is invalid: ${first ? `${first.instancePath || '/'} ${first.message}` : 'schema'}`);
  }
  return parsed;
}
