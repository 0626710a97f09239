import { describe, expect, it } from 'vitest';
import { WorkQueue } from '../src/work-queue.js';

describe('WorkQueue', () => {
  it('queues a key once however often it is added', async () => {
    const q = new WorkQueue();
    q.add('ns/a');
    q.add('ns/a');
    q.add('ns/b');
    expect(q.length).toBe(2);
    expect(await q.get()).toBe('ns/a');
    expect(await q.get()).toBe('ns/b');
    expect(q.length).toBe(0);
  });

  it('never hands out a key being processed; an add meanwhile re-queues it on done', async () => {
    const q = new WorkQueue();
    q.add('ns/a');
    const key = await q.get();
    q.add('ns/a');
    expect(q.length).toBe(0);
    q.done(key!);
    expect(q.length).toBe(1);
    expect(await q.get()).toBe('ns/a');
  });

  it('wakes a waiting worker', async () => {
    const q = new WorkQueue();
    const next = q.get();
    q.add('ns/a');
    expect(await next).toBe('ns/a');
  });

  it('backs off exponentially per key, capped, and forget resets', () => {
    const q = new WorkQueue({ baseDelayMs: 100, maxDelayMs: 1000 });
    expect([1, 2, 3, 4, 5, 6].map(() => q.addRateLimited('ns/a'))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(q.addRateLimited('ns/b')).toBe(100);
    q.forget('ns/a');
    expect(q.retries('ns/a')).toBe(0);
    expect(q.addRateLimited('ns/a')).toBe(100);
    q.shutDown();
  });

  it('delivers a delayed key after its delay', async () => {
    const q = new WorkQueue({ baseDelayMs: 20 });
    q.addRateLimited('ns/a');
    expect(q.length).toBe(0);
    const started = Date.now();
    expect(await q.get()).toBe('ns/a');
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
  });

  it('resolves waiting gets with undefined on shutdown', async () => {
    const q = new WorkQueue();
    const next = q.get();
    q.shutDown();
    expect(await next).toBeUndefined();
    q.add('ns/a');
    expect(q.length).toBe(0);
  });
});
