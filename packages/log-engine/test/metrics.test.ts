import { createMetricsRegistry } from '@kverse/runtime';
import { describe, expect, it } from 'vitest';
import { openLogEngine } from '../src/index.js';
import { put, silent, tempDir } from './helpers.js';

describe('log engine metrics', () => {
  it('exports applied mutations, WAL bytes, fsync sharing and table gauges', async () => {
    const { dir, cleanup } = await tempDir('metrics');
    const registry = createMetricsRegistry();
    const engine = await openLogEngine({ dir, logger: silent(), metrics: registry });
    try {
      await Promise.all(Array.from({ length: 32 }, (_, i) => engine.apply([put(`k${i}`, i + 1)])));
      await engine.apply([put('k0', 1)]); // an old stamp: not applied
      await engine.apply([{ op: 'delete', key: 'k1', version: 99n, writer: 'w', timestamp: 1 }]);
      const json = await registry.getMetricsAsJSON();
      const value = (name: string, suffix = '') =>
        json
          .find((m) => m.name === name)
          ?.values.find((v) => (v as { metricName?: string }).metricName === name + suffix || suffix === '')?.value;
      expect(value('kverse_log_engine_applied_total')).toBe(33);
      expect(value('kverse_log_engine_wal_bytes_total')).toBe(engine.stats().walBytes);
      expect(value('kverse_log_engine_keys')).toBe(32);
      expect(value('kverse_log_engine_tombstones')).toBe(1);
      expect(value('kverse_log_engine_mutations_per_fsync', '_sum')).toBe(33);
      expect(value('kverse_log_engine_mutations_per_fsync', '_count')).toBe(engine.stats().fsyncs);
      expect(engine.stats().fsyncs).toBeLessThan(10);
    } finally {
      await engine.close();
      await cleanup();
    }
  });
});
