import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../src/group-commit.js';
import { openLogEngine } from '../src/index.js';
import { put, silent, tempDir } from './helpers.js';

/** A pipeline over numbers whose fsyncs finish only when the test says so, recording every step. */
function harness(
  overrides: {
    overlap?: boolean;
    maxRequests?: number;
    failSync?: boolean;
    maxGroupBytes?: number;
    sizeOf?: (n: number) => number;
  } = {},
) {
  const events: string[] = [];
  const syncs: Array<() => void> = [];
  let drainDue = false;
  const gc = new GroupCommit<number, number, number[]>({
    maxRequests: overrides.maxRequests ?? Number.POSITIVE_INFINITY,
    maxGroupBytes: overrides.maxGroupBytes ?? 1e9,
    overlap: overrides.overlap ?? true,
    sizeOf: overrides.sizeOf ?? (() => 1),
    isBarrier: (n) => n === 0,
    prepare: (group) => {
      events.push(`write ${group.join(',')}`);
      return [...group];
    },
    sync: () =>
      new Promise<void>((resolve, reject) => {
        events.push('fsync');
        syncs.push(overrides.failSync ? () => reject(new Error('EIO')) : resolve);
      }),
    finish: (group) => {
      events.push(`install ${group.join(',')}`);
      return group.map((n) => n * 10);
    },
    runBarrier: async (n) => {
      events.push(`barrier ${n}`);
      return -1;
    },
    wantsDrain: () => drainDue,
    drained: async () => {
      events.push('maintenance');
      drainDue = false;
    },
    onFailure: (err) => new Error(`stopped: ${(err as Error).message}`),
  });
  const acked: number[] = [];
  const submit = (n: number) =>
    gc.submit(n).then((r) => {
      acked.push(r);
      return r;
    });
  const finishSync = async () => {
    syncs.shift()?.();
    await tick();
  };
  return { gc, events, acked, submit, finishSync, dueDrain: () => (drainDue = true) };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('GroupCommit', () => {
  it('adds a request to a group only while the group stays within maxGroupBytes; the first goes whatever its size', async () => {
    const h = harness({ maxGroupBytes: 10, sizeOf: (n) => n, overlap: false });
    void h.submit(12);
    await tick();
    for (const n of [6, 5, 4]) void h.submit(n);
    await h.finishSync();
    await h.finishSync();
    await h.finishSync();
    expect(h.events.filter((e) => e.startsWith('write'))).toEqual(['write 12', 'write 6', 'write 5,4']);
    expect(h.acked).toEqual([120, 60, 50, 40]);
  });

  it('writes requests arriving during an fsync at once, and acknowledges them after the next fsync, which they share', async () => {
    const h = harness();
    void h.submit(1);
    await tick();
    expect(h.events).toEqual(['write 1', 'fsync']);
    void h.submit(2);
    void h.submit(3);
    await tick();
    void h.submit(4);
    await tick();
    // Written while the first fsync is in flight, not acknowledged by it.
    expect(h.events).toEqual(['write 1', 'fsync', 'write 2,3', 'write 4']);
    await h.finishSync();
    expect(h.acked).toEqual([10]);
    expect(h.events.slice(4)).toEqual(['install 1', 'fsync']);
    await h.finishSync();
    expect(h.acked).toEqual([10, 20, 30, 40]);
    expect(h.events.slice(6)).toEqual(['install 2,3', 'install 4']);
    await h.gc.idle();
  });

  it('without overlap gives each request the log to itself from write to fsync', async () => {
    const h = harness({ overlap: false, maxRequests: 1 });
    const all = [1, 2, 3].map(h.submit);
    await tick();
    expect(h.events).toEqual(['write 1', 'fsync']);
    await h.finishSync();
    await h.finishSync();
    await h.finishSync();
    await Promise.all(all);
    expect(h.events).toEqual([
      'write 1',
      'fsync',
      'install 1',
      'write 2',
      'fsync',
      'install 2',
      'write 3',
      'fsync',
      'install 3',
    ]);
  });

  it('runs barriers and maintenance only with nothing unsynced, holding later requests back', async () => {
    const h = harness();
    void h.submit(1);
    void h.submit(0);
    void h.submit(2);
    await tick();
    expect(h.events).toEqual(['write 1', 'fsync']);
    await h.finishSync();
    expect(h.events).toEqual(['write 1', 'fsync', 'install 1', 'barrier 0', 'write 2', 'fsync']);
    h.dueDrain();
    void h.submit(3);
    await tick();
    expect(h.events.at(-1)).toBe('fsync');
    await h.finishSync();
    expect(h.events.slice(-4)).toEqual(['install 2', 'maintenance', 'write 3', 'fsync']);
    await h.finishSync();
    expect(h.acked).toEqual([10, -1, 20, 30]);
  });

  it('fails everything pending and everything later once an fsync fails', async () => {
    const h = harness({ failSync: true });
    const first = h.submit(1);
    await tick();
    const second = h.submit(2);
    await tick();
    // Expectations attach before the fsync fails, so the rejections are never momentarily unhandled.
    const firstFails = expect(first).rejects.toThrow('stopped: EIO');
    const secondFails = expect(second).rejects.toThrow('stopped: EIO');
    await h.finishSync();
    await firstFails;
    await secondFails;
    await expect(h.submit(3)).rejects.toThrow('stopped: EIO');
    await h.gc.idle();
  });
});

describe('group commit in the log engine', () => {
  it('shares fsyncs among concurrent writers, and per-write mode does not', async () => {
    const stats: Record<string, { fsyncs: number; applied: number }> = {};
    for (const sync of ['group', 'per-write'] as const) {
      const { dir, cleanup } = await tempDir(`gc-${sync}`);
      const engine = await openLogEngine({ dir, sync, logger: silent() });
      await Promise.all(Array.from({ length: 64 }, (_, i) => engine.apply([put(`k${i}`, i + 1)])));
      stats[sync] = engine.stats();
      await engine.close();
      await cleanup();
    }
    expect(stats['per-write']).toMatchObject({ fsyncs: 64, applied: 64 });
    // All 64 arrive before the first commit starts; at most the first one waits alone.
    expect(stats.group?.applied).toBe(64);
    expect(stats.group?.fsyncs).toBeLessThanOrEqual(2);
  });
});
