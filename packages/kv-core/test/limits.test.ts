import { describe, expect, it } from 'vitest';
import { KvError } from '../src/errors.js';
import { DEFAULT_LIMITS, validateKey, validateValue } from '../src/limits.js';

function codeOf(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof KvError ? err.code : 'not-a-KvError';
  }
}

describe('validateKey', () => {
  it('accepts ordinary and multibyte keys up to the byte limit', () => {
    expect(codeOf(() => validateKey('teste'))).toBeUndefined();
    expect(codeOf(() => validateKey('é'.repeat(512)))).toBeUndefined(); // 1024 bytes
  });

  it('rejects empty, non-string, control characters, lone surrogates and oversize keys', () => {
    expect(codeOf(() => validateKey(''))).toBe('KV_ERR_INVALID_KEY');
    expect(codeOf(() => validateKey(42))).toBe('KV_ERR_INVALID_KEY');
    expect(codeOf(() => validateKey('a\nb'))).toBe('KV_ERR_INVALID_KEY');
    expect(codeOf(() => validateKey('a\u0085b'))).toBe('KV_ERR_INVALID_KEY');
    expect(codeOf(() => validateKey('\ud800'))).toBe('KV_ERR_INVALID_KEY');
    expect(codeOf(() => validateKey('é'.repeat(513)))).toBe('KV_ERR_KEY_TOO_LARGE');
  });

  it('honours configured limits', () => {
    expect(codeOf(() => validateKey('abcd', { ...DEFAULT_LIMITS, maxKeyBytes: 3 }))).toBe('KV_ERR_KEY_TOO_LARGE');
  });
});

describe('validateValue', () => {
  it('accepts empty values and control characters but NUL, rejects oversize and malformed ones', () => {
    expect(codeOf(() => validateValue(''))).toBeUndefined();
    expect(codeOf(() => validateValue('line1\nline2\t\u0001\u007f'))).toBeUndefined();
    expect(codeOf(() => validateValue('a\u0000b'))).toBe('KV_ERR_INVALID_VALUE');
    expect(codeOf(() => validateValue('x'.repeat(DEFAULT_LIMITS.maxValueBytes)))).toBeUndefined();
    expect(codeOf(() => validateValue('x'.repeat(DEFAULT_LIMITS.maxValueBytes + 1)))).toBe('KV_ERR_VALUE_TOO_LARGE');
    expect(codeOf(() => validateValue('\udc00'))).toBe('KV_ERR_INVALID_VALUE');
    expect(codeOf(() => validateValue(null))).toBe('KV_ERR_INVALID_VALUE');
  });
});
