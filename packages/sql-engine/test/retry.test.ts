import { isKvError } from '@kverse/kv-core';
import { describe, expect, it } from 'vitest';
import { withRetry } from '../src/retry.js';

const failing = (code: string) => Object.assign(new Error(`failed with ${code}`), { code });

describe('withRetry', () => {
  it('runs a transaction again after serialization failures (40001) and returns its result', async () => {
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls < 3) throw failing('40001');
        return 'done';
      },
      { baseDelayMs: 1 },
    );
    expect(result).toBe('done');
    expect(calls).toBe(3);
  });

  it('turns a lost connection (class 08, 57P01) into KV_ERR_UNAVAILABLE', async () => {
    for (const code of ['08006', '08001', '57P01']) {
      const err = await withRetry(() => Promise.reject(failing(code))).catch((e: unknown) => e);
      expect(isKvError(err) && err.code).toBe('KV_ERR_UNAVAILABLE');
    }
  });

  it('passes a protocol violation (08P01) through: the server refused what was sent, not the connection', async () => {
    const err = await withRetry(() => Promise.reject(failing('08P01'))).catch((e: unknown) => e);
    expect(isKvError(err)).toBe(false);
    expect((err as { code: string }).code).toBe('08P01');
  });
});
