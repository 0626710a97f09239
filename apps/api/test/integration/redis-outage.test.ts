import { randomBytes } from 'node:crypto';
import type { RunningConsumer } from '@kverse/consumer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiNode,
  get,
  metricValue,
  put,
  requireServices,
  service,
  sleep,
  startApiNode,
  startInProcessConsumer,
} from './cluster.js';

// Redis stopped while clients read: every GET still answers from PostgreSQL, with no error, and the fallbacks are
// counted; once Redis is back the cache serves again.
describe('fault: Redis stopped during reads', () => {
  const run = randomBytes(4).toString('hex');
  const keys = Array.from({ length: 20 }, (_, i) => `${run}/k${i}`);
  let node: ApiNode;
  let consumer: RunningConsumer;

  beforeAll(async () => {
    await requireServices();
    consumer = await startInProcessConsumer();
    node = await startApiNode();
  });
  afterAll(async () => {
    service('redis');
    await node?.close();
    await consumer?.close();
  });

  it('answers every read from the database while Redis is down', async () => {
    const versions = new Map<string, bigint>();
    for (const key of keys) versions.set(key, (await put(node.url, key, `v-${key}`, true)).version!);
    for (const key of keys) expect((await get(node.url, key))?.version).toBe(versions.get(key));
    const hitsBefore = await metricValue(node.url, 'kverse_cache_reads_total', 'result="hit"');
    for (const key of keys) await get(node.url, key);
    expect(await metricValue(node.url, 'kverse_cache_reads_total', 'result="hit"')).toBeGreaterThanOrEqual(
      hitsBefore + keys.length,
    );

    const fallbacksBefore = await metricValue(node.url, 'kverse_cache_fallbacks_total', 'op="get"');
    try {
      service('redis', 'stop');
      for (let round = 0; round < 3; round++) {
        for (const key of keys)
          expect(await get(node.url, key)).toEqual({ value: `v-${key}`, version: versions.get(key) });
      }
      // A write applied while Redis is down is read back from the database too.
      const during = await put(node.url, keys[0]!, 'during', true);
      expect(during.status).toBe(200);
      expect(await get(node.url, keys[0]!)).toEqual({ value: 'during', version: during.version });
      expect(await metricValue(node.url, 'kverse_cache_fallbacks_total', 'op="get"')).toBeGreaterThanOrEqual(
        fallbacksBefore + 3 * keys.length,
      );
      const ready = (await (await fetch(`${node.url}/ready`)).json()) as {
        checks: Record<string, { ok: boolean; required?: boolean }>;
      };
      expect(ready.checks['redis-cache']?.ok).toBe(false);
      expect(ready.checks.database?.ok).toBe(true);
    } finally {
      service('redis');
    }

    // Back to the cache once Redis answers (ioredis reconnects with backoff, at most 2 s apart).
    const hits = await metricValue(node.url, 'kverse_cache_reads_total', 'result="hit"');
    const deadline = Date.now() + 15_000;
    while ((await metricValue(node.url, 'kverse_cache_reads_total', 'result="hit"')) <= hits && Date.now() < deadline) {
      expect((await get(node.url, keys[1]!))?.version).toBe(versions.get(keys[1]!));
      await sleep(100);
    }
    expect(await metricValue(node.url, 'kverse_cache_reads_total', 'result="hit"')).toBeGreaterThan(hits);
    expect(await get(node.url, keys[0]!)).toMatchObject({ value: 'during' });
  });
});
