import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isKvError } from '@kverse/kv-core';
import { createLogger, parseConfig } from '@kverse/runtime';
import { describe, expect, it } from 'vitest';
import { dataPlaneConfigSpec } from '../src/config.js';
import { openEmbeddedDataPlane } from '../src/embedded.js';

const MIB = 1024 * 1024;

describe('the embedded data plane with KVERSE_MAX_VALUE_BYTES raised', () => {
  it('stores a value over the default limit and under the configured one, and refuses one over it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kverse-embedded-limits-'));
    const config = parseConfig(dataPlaneConfigSpec, {
      KVERSE_DATA_DIR: dir,
      KVERSE_FSYNC: 'none',
      KVERSE_MAX_VALUE_BYTES: String(2 * MIB),
    });
    const plane = await openEmbeddedDataPlane(config, createLogger({ name: 'test', level: 'silent' }));
    try {
      const value = 'v'.repeat(1.5 * MIB);
      const { version } = await plane.dataPlane.put('big', value, { waitAppliedMs: 5000 });
      expect((await plane.dataPlane.mustGet('big')).version).toBe(version);
      const err = await (async () => plane.dataPlane.put('bigger', 'v'.repeat(2 * MIB + 1)))().catch((e: unknown) => e);
      expect(isKvError(err) && err.code).toBe('KV_ERR_VALUE_TOO_LARGE');
    } finally {
      await plane.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
