import type { DataPlane, TxnRequest } from '@kverse/data-plane';
import { KvError, type KvRecord, type Precondition, parseVersion } from '@kverse/kv-core';
import type { Compare__Output } from '../generated/kvstore/Compare.js';
import type { TxnRequest__Output } from '../generated/kvstore/TxnRequest.js';

/**
 * Translation of the conditional-write and transaction fields of the wire messages into data-plane requests, and of
 * a failed condition into an error that says which condition failed and what the key holds now.
 */

/** The condition of a Put (`if_version` / `if_absent`), undefined for an unconditional write. */
export function putCondition(req: {
  readonly ifVersion?: string;
  readonly ifAbsent: boolean;
}): Precondition | undefined {
  if (req.ifVersion !== undefined && req.ifAbsent) {
    throw new KvError('KV_ERR_INVALID_ARGUMENT', 'if_version and if_absent cannot both be set');
  }
  if (req.ifAbsent) return { absent: true };
  return req.ifVersion === undefined ? undefined : { version: version(req.ifVersion, 'if_version') };
}

/** The condition of a Delete (`if_version`), undefined for an unconditional delete. */
export function deleteCondition(req: { readonly ifVersion?: string }): Precondition | undefined {
  return req.ifVersion === undefined ? undefined : { version: version(req.ifVersion, 'if_version') };
}

/** `ttl_seconds` as the data plane takes it: 0 (the default) means no TTL; the data plane checks the range. */
export function ttlOf(ttlSeconds: number): { ttlSeconds?: number } {
  return ttlSeconds === 0 ? {} : { ttlSeconds };
}

/** A Txn request as the data plane takes it; limits and key rules are the data plane's to check. */
export function toTxnRequest(req: TxnRequest__Output): TxnRequest {
  return {
    compares: req.compares.map((c) => ({ key: c.key, condition: compareCondition(c) })),
    operations: req.ops.map((o, i) => {
      if (o.op === 'put' && o.put) return { op: 'put', key: o.put.key, value: o.put.value, ...ttlOf(o.put.ttlSeconds) };
      if (o.op === 'delete' && o.delete) return { op: 'delete', key: o.delete.key };
      throw new KvError('KV_ERR_INVALID_ARGUMENT', `ops[${i}] is neither a put nor a delete`);
    }),
  };
}

function compareCondition(c: Compare__Output): Precondition {
  if (c.target === 'version' && c.version !== undefined) return { version: version(c.version, 'compare version') };
  if (c.target === 'absent' && c.absent) return { absent: true };
  throw new KvError(
    'KV_ERR_INVALID_ARGUMENT',
    `the compare on ${JSON.stringify(c.key)} needs a version or absent=true`,
  );
}

function version(text: string, field: string): bigint {
  const v = parseVersion(text);
  if (v === undefined) throw new KvError('KV_ERR_INVALID_ARGUMENT', `${field} is not a version (63-bit unsigned)`);
  return v;
}

/**
 * Rethrows a KV_ERR_PRECONDITION_FAILED from a write with a message naming the condition that did not hold and the
 * key's current version (details `currentVersion`, sent as a trailer). The current state is read after the failure,
 * so it is informative, not a guarantee: the key may have changed again since. Other errors pass through unchanged.
 */
export async function explainFailedCondition(
  err: unknown,
  dataPlane: DataPlane,
  compares: ReadonlyArray<{ readonly key: string; readonly condition: Precondition }>,
): Promise<never> {
  if (!(err instanceof KvError) || err.code !== 'KV_ERR_PRECONDITION_FAILED' || compares.length === 0) throw err;
  const records = await dataPlane.getMany(compares.map((c) => c.key)).catch(() => undefined);
  if (!records) throw err;
  // The first compare that does not hold now is most likely the one that failed; if all hold again, say no more.
  const index = compares.findIndex((c, i) => !holds(c.condition, records[i]));
  if (index === -1) throw err;
  const failed = compares[index]!;
  const record = records[index];
  const wanted = 'version' in failed.condition ? `at version ${failed.condition.version}` : 'to be absent';
  const found = record ? `it is at version ${record.version}` : 'it does not exist';
  throw new KvError(
    'KV_ERR_PRECONDITION_FAILED',
    `condition failed: ${JSON.stringify(failed.key)} was required ${wanted}, but ${found}; nothing was written`,
    {
      details: {
        ...err.details,
        key: failed.key,
        ...(record ? { currentVersion: record.version.toString() } : {}),
      },
      cause: err,
    },
  );
}

function holds(condition: Precondition, record: KvRecord | undefined): boolean {
  return 'version' in condition ? record?.version === condition.version : record === undefined;
}
