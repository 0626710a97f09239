import './well-formed.js';
import { KvError } from './errors.js';

/** Size limits every front door enforces identically (DESIGN.md §3). */
export interface KvLimits {
  /** Largest key in UTF-8 bytes. @default 1024 */
  readonly maxKeyBytes: number;
  /** Largest value in UTF-8 bytes. @default 1048576 (1 MiB) */
  readonly maxValueBytes: number;
}

export const DEFAULT_LIMITS: KvLimits = Object.freeze({ maxKeyBytes: 1024, maxValueBytes: 1024 * 1024 });

// C0 controls, DEL and C1 controls. Keys show up in logs, URLs and terminals; values may hold anything printable
// or not, since they are opaque text.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;

/** Throws {@link KvError} unless `key` is 1..maxKeyBytes bytes of well-formed UTF-8 without control characters. */
export function validateKey(key: unknown, limits: KvLimits = DEFAULT_LIMITS): asserts key is string {
  if (typeof key !== 'string') throw new KvError('KV_ERR_INVALID_KEY', 'key must be a string');
  if (key.length === 0) throw new KvError('KV_ERR_INVALID_KEY', 'key must not be empty');
  if (!key.isWellFormed()) throw new KvError('KV_ERR_INVALID_KEY', 'key is not valid UTF-8 (lone surrogate)');
  if (CONTROL_CHARS.test(key)) throw new KvError('KV_ERR_INVALID_KEY', 'key must not contain control characters');
  // length*3 bounds the UTF-8 size of a UTF-16 string, so most keys skip the exact count.
  if (key.length * 3 > limits.maxKeyBytes) {
    const bytes = Buffer.byteLength(key, 'utf8');
    if (bytes > limits.maxKeyBytes) {
      throw new KvError('KV_ERR_KEY_TOO_LARGE', `key is ${bytes} bytes; the limit is ${limits.maxKeyBytes}`, {
        details: { limit: limits.maxKeyBytes, size: bytes },
      });
    }
  }
}

/**
 * Throws {@link KvError} unless `value` is well-formed UTF-8 of at most maxValueBytes bytes without U+0000. Empty is
 * allowed, and so is every other control character. NUL is refused at every front door because the SQL data plane
 * stores values as text, which PostgreSQL cannot hold a NUL in: accepted, such a write could never be applied there.
 */
export function validateValue(value: unknown, limits: KvLimits = DEFAULT_LIMITS): asserts value is string {
  if (typeof value !== 'string') throw new KvError('KV_ERR_INVALID_VALUE', 'value must be a string');
  if (!value.isWellFormed()) throw new KvError('KV_ERR_INVALID_VALUE', 'value is not valid UTF-8 (lone surrogate)');
  if (value.includes('\u0000')) {
    throw new KvError('KV_ERR_INVALID_VALUE', 'value must not contain U+0000 (NUL), which SQL text cannot store');
  }
  if (value.length * 3 > limits.maxValueBytes) {
    const bytes = Buffer.byteLength(value, 'utf8');
    if (bytes > limits.maxValueBytes) {
      throw new KvError('KV_ERR_VALUE_TOO_LARGE', `value is ${bytes} bytes; the limit is ${limits.maxValueBytes}`, {
        details: { limit: limits.maxValueBytes, size: bytes },
      });
    }
  }
}

/** Validates a key prefix for list/watch: like a key, but it may be empty (everything). */
export function validatePrefix(prefix: unknown, limits: KvLimits = DEFAULT_LIMITS): asserts prefix is string {
  if (prefix === '') return;
  validateKey(prefix, limits);
}
