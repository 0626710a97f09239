import { KvError, type KvLimits, type Mutation, validateKey, validateValue } from '@kverse/kv-core';

const MAX_VERSION = (1n << 63n) - 1n;
// Framing per mutation besides its strings, for the group size estimate.
const OVERHEAD_BYTES = 40;

/**
 * Checks what the log must be able to store and replay: key and value limits, a version that fits the signed
 * 64-bit field, a writer id and a finite timestamp. Throws {@link KvError}; returns the estimated bytes the
 * mutation takes in the log.
 */
export function validateMutation(m: Mutation, limits: KvLimits): number {
  validateKey(m.key, limits);
  if (typeof m.version !== 'bigint' || m.version < 0n || m.version > MAX_VERSION) {
    throw new KvError(
      'KV_ERR_INVALID_ARGUMENT',
      `version of ${JSON.stringify(m.key)} is not a 63-bit unsigned integer`,
    );
  }
  if (typeof m.writer !== 'string') throw new KvError('KV_ERR_INVALID_ARGUMENT', 'writer must be a string');
  if (!Number.isFinite(m.timestamp)) throw new KvError('KV_ERR_INVALID_ARGUMENT', 'timestamp must be a finite number');
  if (m.op === 'put') {
    validateValue(m.value, limits);
    return OVERHEAD_BYTES + m.key.length + m.writer.length + m.value.length;
  }
  if (m.op !== 'delete') {
    throw new KvError('KV_ERR_INVALID_ARGUMENT', `unknown mutation op ${JSON.stringify((m as { op: unknown }).op)}`);
  }
  return OVERHEAD_BYTES + m.key.length + m.writer.length;
}
