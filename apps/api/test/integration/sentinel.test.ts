import { randomBytes } from 'node:crypto';
import type { RunningConsumer } from '@kverse/consumer';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AMQP_URL,
  type ApiNode,
  DATABASE_URL,
  get,
  metricValue,
  put,
  REDIS_URL,
  requireServices,
  startApiNode,
  startInProcessConsumer,
} from './cluster.js';

const SENTINELS = process.env.REDIS_SENTINELS ?? '127.0.0.1:26379';
const SENTINEL_ENV = { REDIS_SENTINELS: SENTINELS, REDIS_SENTINEL_NAME: 'kverse' };

async function requireSentinel(): Promise<void> {
  const [host = '127.0.0.1', port = '26379'] = SENTINELS.split(',')[0]!.split(':');
  const sentinel = new Redis({ host, port: Number(port), lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await sentinel.connect();
    const master = await sentinel.call('SENTINEL', 'get-master-addr-by-name', 'kverse');
    if (!master) throw new Error('it monitors no master named kverse');
  } catch (err) {
    throw new Error(
      `Redis Sentinel on ${SENTINELS} is not usable (${(err as Error).message}); run scripts/services/redis-sentinel.sh`,
    );
  } finally {
    sentinel.disconnect();
  }
}

// The cluster's connection path: the API and the consumer find Redis through Sentinel (REDIS_SENTINELS, master
// `kverse`), with no REDIS_URL at all.
describe('Redis through Sentinel', () => {
  const run = randomBytes(4).toString('hex');
  let node: ApiNode;
  let consumer: RunningConsumer;

  beforeAll(async () => {
    await requireServices();
    await requireSentinel();
    consumer = await startInProcessConsumer({ REDIS_URL: '', ...SENTINEL_ENV });
    node = await startApiNode({ DATABASE_URL, AMQP_URL, ...SENTINEL_ENV });
  });
  afterAll(async () => {
    await node?.close();
    await consumer?.close();
  });

  it('reads through the cache the Sentinels point at, and the consumer keeps it in step', async () => {
    const ready = (await (await fetch(`${node.url}/ready`)).json()) as { checks: Record<string, { ok: boolean }> };
    expect(ready.checks['redis-cache']).toMatchObject({ ok: true });

    const key = `${run}/s`;
    const first = await put(node.url, key, 'one', true);
    expect(first.status).toBe(200);
    // The master the Sentinels name is the Redis on REDIS_URL: the consumer wrote the applied version there.
    const master = new Redis(REDIS_URL);
    try {
      expect(await master.hget(`kverse:kv:${key}`, 'v')).toBe(String(first.version));
      // The consumer left a versioned marker: the first read misses and fills, the next one is a hit.
      expect(await get(node.url, key)).toEqual({ value: 'one', version: first.version });
      const hits = await metricValue(node.url, 'kverse_cache_reads_total', 'result="hit"');
      expect(await get(node.url, key)).toEqual({ value: 'one', version: first.version });
      expect(await metricValue(node.url, 'kverse_cache_reads_total', 'result="hit"')).toBe(hits + 1);

      const second = await put(node.url, key, 'two', true);
      expect(await master.hget(`kverse:kv:${key}`, 'v')).toBe(String(second.version));
      expect(await get(node.url, key)).toEqual({ value: 'two', version: second.version });
    } finally {
      master.disconnect();
    }
  });
});
