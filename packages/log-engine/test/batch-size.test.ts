import { DEFAULT_LIMITS, isKvError } from '@kverse/kv-core';
import { describe, expect, it } from 'vitest';
import { openLogEngine } from '../src/index.js';
import { put, silent, tempDir } from './helpers.js';

const MIB = 1024 * 1024;

describe('a batch too large for one log record', () => {
  it('is refused whole with KV_ERR_INVALID_ARGUMENT, never acknowledged, and the engine keeps writing', async () => {
    const { dir, cleanup } = await tempDir('batch-size');
    const limits = { ...DEFAULT_LIMITS, maxValueBytes: 16 * MIB };
    const engine = await openLogEngine({ dir, sync: 'none', logger: silent(), limits });
    try {
      // 2 × 12 Mi characters: up to 72 MiB of UTF-8 in one record, past what the engine lets one batch write.
      const big = 'x'.repeat(12 * MIB);
      const err = await engine.apply([put('a', 1, big), put('b', 2, big)]).catch((e: unknown) => e);
      expect(isKvError(err) && err.code).toBe('KV_ERR_INVALID_ARGUMENT');
      expect((err as Error).message).toMatch(/too large for one log record/);
      expect(await engine.get('a')).toBeUndefined();
      // One such value alone is a batch the log takes, and reads back after a reopen.
      expect(await engine.apply([put('a', 3, big)])).toEqual(['applied']);
      await engine.close();
      const reopened = await openLogEngine({ dir, sync: 'none', logger: silent(), limits });
      expect((await reopened.get('a'))?.value.length).toBe(12 * MIB);
      await reopened.close();
    } finally {
      await engine.close().catch(() => undefined);
      await cleanup();
    }
  });
});
