import { status } from '@grpc/grpc-js';
import { apiConfigSpec, buildApi } from '@kverse/api';
import { createMetricsRegistry, parseConfig } from '@kverse/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { ERROR_CODE_TRAILER, RESUME_VERSION_TRAILER, START_VERSION_HEADER } from '../../src/index.js';
import { call, type Harness, kvClient, seedClient, silentLogger, startHarness } from '../support/harness.js';
import { collect, stalledWatch } from '../support/watch-client.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function harness(env: Record<string, string> = {}): Promise<Harness> {
  const h = await startHarness(env);
  cleanups.push(() => h.close());
  return h;
}

function client(h: Harness) {
  const c = kvClient(h.server.address);
  cleanups.push(() => c.close());
  return c;
}

describe('Watch', () => {
  it('delivers a REST PUT to a watcher using the seed proto', async () => {
    const h = await harness();
    const api = await buildApi(parseConfig(apiConfigSpec, {}), {
      dataPlane: h.opened.dataPlane,
      logger: silentLogger,
      metrics: createMetricsRegistry(),
    });
    cleanups.push(() => api.close());
    const seed = seedClient(h.server.address);
    cleanups.push(() => seed.close());
    const stream = seed.Watch({ key: 'nome' });
    cleanups.push(() => stream.cancel());
    const watch = collect<{ message: string }>(stream as never);
    await watch.ready;
    const res = await api.inject({ method: 'PUT', url: '/kv', payload: { key: 'nome', value: 'via REST' } });
    expect(res.statusCode).toBeLessThan(300);
    const [event] = await watch.waitFor(1);
    expect(event!.message).toContain('nome');
    expect(event!.message).toContain('via REST');
  });

  it('watches a prefix with typed events, puts and deletes in order', async () => {
    const h = await harness();
    const c = client(h);
    const stream = c.Watch({ key: 'app/', prefix: true });
    cleanups.push(() => stream.cancel());
    const watch = collect(stream);
    await watch.ready;
    await call((cb) => c.Put({ key: 'app/x', value: '1' }, cb));
    await call((cb) => c.Put({ key: 'other/y', value: '2' }, cb));
    await call((cb) => c.Put({ key: 'app/z', value: '3' }, cb));
    await call((cb) => c.Delete({ key: 'app/x' }, cb));
    const events = await watch.waitFor(3);
    expect(events.map((e) => [e.type, e.key, e.value])).toEqual([
      ['EVENT_TYPE_PUT', 'app/x', '1'],
      ['EVENT_TYPE_PUT', 'app/z', '3'],
      ['EVENT_TYPE_DELETE', 'app/x', ''],
    ]);
    expect(BigInt(events[2]!.version)).toBeGreaterThan(BigInt(events[1]!.version));
    expect(events[0]!.message).toMatch(/^PUT app\/x = 1 \(version \d+\)$/);
  });

  it('resumes after a reconnect with what was missed', async () => {
    const h = await harness();
    const c = client(h);
    const first = c.Watch({ key: 'r' });
    const one = collect(first);
    await one.ready;
    await call((cb) => c.Put({ key: 'r', value: 'a' }, cb));
    const [seen] = await one.waitFor(1);
    first.cancel();
    await call((cb) => c.Put({ key: 'r', value: 'b' }, cb));
    await call((cb) => c.Put({ key: 'r', value: 'c' }, cb));
    const second = c.Watch({ key: 'r', fromVersion: seen!.version });
    cleanups.push(() => second.cancel());
    const two = collect(second);
    await call((cb) => c.Put({ key: 'r', value: 'd' }, cb));
    expect((await two.waitFor(3)).map((e) => e.value)).toEqual(['b', 'c', 'd']);
  });

  it('tells the client where the watch starts, so a reconnect before any change misses nothing', async () => {
    const h = await harness();
    const c = client(h);
    const before = await call((cb) => c.Put({ key: 'q', value: 'before' }, cb));
    const first = c.Watch({ key: 'q' });
    const headers = await collect(first).ready;
    const [start] = headers.get(START_VERSION_HEADER);
    expect(BigInt(start as string)).toBeGreaterThanOrEqual(BigInt(before!.version));
    first.cancel();
    await call((cb) => c.Put({ key: 'q', value: 'while away' }, cb));
    const second = c.Watch({ key: 'q', fromVersion: start as string });
    cleanups.push(() => second.cancel());
    expect((await collect(second).waitFor(1)).map((e) => e.value)).toEqual(['while away']);
  });

  it('answers OUT_OF_RANGE "compacted" when the resume point is no longer retained', async () => {
    const h = await harness({ KVERSE_WATCH_RETENTION: '5' });
    const c = client(h);
    const first = await call((cb) => c.Put({ key: 'old', value: '0' }, cb));
    for (let i = 1; i <= 10; i++) await call((cb) => c.Put({ key: 'old', value: String(i) }, cb));
    const watch = collect(c.Watch({ key: 'old', fromVersion: first!.version }));
    const err = await watch.ended;
    expect(err?.code).toBe(status.OUT_OF_RANGE);
    expect(err?.metadata.get(ERROR_CODE_TRAILER)).toEqual(['KV_ERR_COMPACTED']);
    expect(err?.details).toMatch(/no longer retained/);
  });

  it('delivers every event, in order, to 1,000 concurrent watchers of one key', async () => {
    const h = await harness();
    // Ten connections of 100 streams each, as ten client processes would open them.
    const clients = Array.from({ length: 10 }, () => client(h));
    const watches = Array.from({ length: 1000 }, (_, i) => {
      const stream = clients[i % 10]!.Watch({ key: 'hot' });
      cleanups.push(() => stream.cancel());
      return collect(stream);
    });
    await Promise.all(watches.map((w) => w.ready));
    expect(h.server.service.watchCount).toBe(1000);
    const values = Array.from({ length: 20 }, (_, i) => `v${i}`);
    for (const value of values) await call((cb) => clients[0]!.Put({ key: 'hot', value }, cb));
    for (const w of watches) expect((await w.waitFor(20)).map((e) => e.value)).toEqual(values);
  });

  it('cleans up a cancelled watcher at once', async () => {
    const h = await harness();
    const c = client(h);
    const stream = c.Watch({ key: 'gone' });
    await collect(stream).ready;
    expect(h.opened.dataPlane.watchers).toBe(1);
    stream.cancel();
    await expect.poll(() => h.opened.dataPlane.watchers).toBe(0);
    expect(h.server.service.watchCount).toBe(0);
  });

  it('cuts off a stalled watcher with RESOURCE_EXHAUSTED and the resume version, keeping memory bounded', async () => {
    const h = await harness({ KVERSE_WATCH_BUFFER: '512', KVERSE_WATCH_RETENTION: '100' });
    const c = client(h);
    const healthy = c.Watch({ key: 'flood' });
    cleanups.push(() => healthy.cancel());
    const reading = collect(healthy);
    const stalled = stalledWatch(h.server.address, 'flood');
    cleanups.push(() => stalled.close());
    await Promise.all([stalled.ready, reading.ready]);
    expect(h.opened.dataPlane.watchers).toBe(2);

    const value = 'x'.repeat(4096);
    const writes = 3000; // 12 MiB of changes: far more than any transport buffer
    for (let i = 0; i < writes; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, j) => call((cb) => c.Put({ key: 'flood', value: `${i + j}:${value}` }, cb))),
      );
      // The healthy reader keeps up (it shares this process's CPU with the writer); the stalled one never does.
      await reading.waitFor(i + 50);
    }
    // The stalled watcher is gone from the hub (its buffer freed); the reading one got everything.
    await expect.poll(() => h.opened.dataPlane.watchers).toBe(1);
    expect((await reading.waitFor(writes)).length).toBe(writes);
    expect(await h.metrics.metrics()).toMatch(/kverse_grpc_kv_watch_ended_total\{reason="slow_consumer"\} 1/);

    // What the stalled client had pending is bounded by flow control, not by the number of writes.
    const { bytes, trailers } = await stalled.drain();
    expect(bytes).toBeLessThan((writes * 4096) / 4);
    expect(trailers['grpc-status']).toBe(String(status.RESOURCE_EXHAUSTED));
    expect(trailers[ERROR_CODE_TRAILER]).toBe('KV_ERR_SLOW_CONSUMER');
    expect(String(trailers[RESUME_VERSION_TRAILER])).toMatch(/^\d+$/);
  });
});
