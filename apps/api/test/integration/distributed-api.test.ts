import { randomBytes } from 'node:crypto';
import type { RunningConsumer } from '@kverse/consumer';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AckLog,
  type ApiNode,
  get,
  put,
  REDIS_URL,
  requireServices,
  settle,
  startApiNode,
  startInProcessConsumer,
} from './cluster.js';

/** Reads SSE `put`/`delete` events of a watch into `events` until closed. */
async function watch(base: string, query: string) {
  const controller = new AbortController();
  const res = await fetch(`${base}/kv/watch?${query}`, { signal: controller.signal });
  expect(res.status).toBe(200);
  const events: Array<{ event: string; key: string; version: string }> = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  void (async () => {
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const lines = buffer.slice(0, end).split('\n');
          buffer = buffer.slice(end + 2);
          const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
          const data = lines.find((l) => l.startsWith('data: '))?.slice(6);
          if (event && data) events.push({ event, ...(JSON.parse(data) as { key: string; version: string }) });
        }
      }
    } catch {
      // aborted
    }
  })();
  return { events, close: () => controller.abort() };
}

// The real REST API (two replicas, each on its own distributed data plane as apps/api/src/main.ts opens it) over real
// PostgreSQL, RabbitMQ and Redis, with two real consumers applying the writes.
describe('REST API on the distributed data plane', () => {
  const run = randomBytes(4).toString('hex');
  let nodes: ApiNode[] = [];
  let consumers: RunningConsumer[] = [];
  let redis: Redis;
  const a = () => nodes[0]!.url;
  const b = () => nodes[1]!.url;

  beforeAll(async () => {
    await requireServices();
    consumers = await Promise.all([startInProcessConsumer(), startInProcessConsumer()]);
    nodes = await Promise.all([startApiNode(), startApiNode()]);
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    redis?.disconnect();
    for (const n of nodes) await n.close();
    for (const c of consumers) await c.close();
  });

  it('PUT answers 202; the consumer applies it to PostgreSQL; GET reads it and fills the cache at that version', async () => {
    const key = `${run}/e2e`;
    const accepted = await put(a(), key, 'one');
    expect(accepted.status).toBe(202);
    const acks = new AckLog();
    acks.record(key, accepted);
    expect((await settle(acks)).get(key)).toBe(accepted.version);
    expect(await get(b(), key)).toEqual({ value: 'one', version: accepted.version });
    expect(await redis.hget(`kverse:kv:${key}`, 'v')).toBe(String(accepted.version));
    // The consumer keeps the cache in step: a later write replaces the cached entry without any read.
    const next = await put(a(), key, 'two', true);
    expect(await redis.hget(`kverse:kv:${key}`, 'v')).toBe(String(next.version));
  });

  it('?wait=applied answers 200 and the other replica reads the write at once', async () => {
    const key = `${run}/ryw`;
    const applied = await put(a(), key, 'mine', true);
    expect(applied.status).toBe(200);
    expect(await get(b(), key)).toEqual({ value: 'mine', version: applied.version });
  });

  it('DELETE, list by prefix and the SSE watch work across replicas', async () => {
    const w = await watch(b(), `prefix=${encodeURIComponent(`${run}/w/`)}`);
    for (const k of ['a', 'b', 'c']) expect((await put(a(), `${run}/w/${k}`, k, true)).status).toBe(200);
    const del = await fetch(`${a()}/kv?key=${encodeURIComponent(`${run}/w/b`)}&wait=applied`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    const delAccepted = await fetch(`${b()}/kv?key=${encodeURIComponent(`${run}/w/c`)}`, { method: 'DELETE' });
    expect(delAccepted.status).toBe(202);
    const deadline = Date.now() + 10_000;
    while (w.events.length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    w.close();
    expect(w.events.map((e) => `${e.event}:${e.key}`)).toEqual([
      `put:${run}/w/a`,
      `put:${run}/w/b`,
      `put:${run}/w/c`,
      `delete:${run}/w/b`,
      `delete:${run}/w/c`,
    ]);
    expect(await get(a(), `${run}/w/b`)).toBeUndefined();
    expect(await get(b(), `${run}/w/c`)).toBeUndefined();
    const list = (await (await fetch(`${b()}/kv?prefix=${encodeURIComponent(`${run}/w/`)}`)).json()) as {
      items: Array<{ key: string }>;
    };
    expect(list.items.map((i) => i.key)).toEqual([`${run}/w/a`]);
  });

  it('two replicas and two consumers share one dataset: concurrent hot-key writes end at the highest version everywhere', async () => {
    const keys = Array.from({ length: 4 }, (_, i) => `${run}/hot/${i}`);
    const acks = new AckLog();
    await Promise.all(
      Array.from({ length: 8 }, async (_, worker) => {
        for (let i = 0; i < 100; i++) {
          const key = keys[(worker + i) % keys.length]!;
          const answer = await put(worker % 2 === 0 ? a() : b(), key, `w${worker}-${i}`);
          expect(answer.status).toBe(202);
          acks.record(key, answer);
        }
      }),
    );
    expect(acks.count).toBe(800);
    const stored = await settle(acks);
    for (const key of keys) {
      expect(stored.get(key)).toBe(acks.highest.get(key));
      expect((await get(a(), key))?.version).toBe(acks.highest.get(key));
      expect((await get(b(), key))?.version).toBe(acks.highest.get(key));
      expect(await redis.hget(`kverse:kv:${key}`, 'v')).toBe(String(acks.highest.get(key)));
    }
  });

  it('reports the database, the cache and RabbitMQ in /ready', async () => {
    const ready = (await (await fetch(`${a()}/ready`)).json()) as { checks: Record<string, { ok: boolean }> };
    expect(ready.checks).toMatchObject({
      database: { ok: true },
      'redis-cache': { ok: true },
      rabbitmq: { ok: true },
      'change-stream': { ok: true },
    });
  });
});
