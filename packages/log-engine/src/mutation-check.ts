import { type KvLimits, mutationsOf, validateWrite, type Write } from '@kverse/kv-core';

// Framing per mutation besides its strings, for the group size estimate.
const OVERHEAD_BYTES = 48;

/**
 * Checks a write is one the log can store and replay (see `validateWrite`: limits, a 63-bit version, finite times,
 * a well-formed transaction). Throws KvError; returns the estimated bytes the write takes in the log.
 */
export function validateForLog(write: Write, limits: KvLimits): number {
  validateWrite(write, limits);
  let bytes = 0;
  for (const m of mutationsOf(write)) {
    bytes += OVERHEAD_BYTES + m.key.length + m.writer.length + (m.op === 'put' ? m.value.length : 0);
  }
  return bytes;
}
