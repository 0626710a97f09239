import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../src/group-commit.js';
import { openLogEngine } from '../src/index.js';
import { put, silent, tempDir } from './helpers.js';

/** A commit function whose commits finish only when the test says so. */
function controlledCommits() {
  const groups: number[][] = [];
  const release: Array<() => void> = [];
  const commit = async (group: readonly number[]) => {
    groups.push([...group]);
    await new Promise<void>((resolve) => release.push(resolve));
    return group.map((n) => n * 10);
  };
  return { groups, release, commit };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('GroupCommit', () => {
  it('commits requests that arrive during a commit together in the next one, acknowledging each after its commit', async () => {
    const c = controlledCommits();
    const gc = new GroupCommit<number, number>({
      maxRequests: Number.POSITIVE_INFINITY,
      maxGroupBytes: 1e9,
      sizeOf: () => 1,
      alone: () => false,
      commit: c.commit,
    });
    const settled: number[] = [];
    const submit = (n: number) => gc.submit(n).then((r) => settled.push(r));
    const first = submit(1);
    await tick();
    const rest = [2, 3, 4].map(submit);
    await tick();
    expect(c.groups).toEqual([[1]]);
    expect(settled).toEqual([]);
    c.release[0]?.();
    await first;
    await tick();
    expect(settled).toEqual([10]);
    expect(c.groups).toEqual([[1], [2, 3, 4]]);
    c.release[1]?.();
    await Promise.all(rest);
    expect(settled).toEqual([10, 20, 30, 40]);
  });

  it('respects maxRequests, size caps and requests that must be alone, and fails only the failing group', async () => {
    const groups: number[][] = [];
    const gc = new GroupCommit<number, number>({
      maxRequests: 3,
      maxGroupBytes: 100,
      sizeOf: (n) => n,
      alone: (n) => n === 0,
      commit: async (group) => {
        groups.push([...group]);
        if (group.includes(13)) throw new Error('disk on fire');
        return [...group];
      },
    });
    const results = await Promise.allSettled([1, 2, 3, 4, 0, 5, 60, 70, 13, 8].map((n) => gc.submit(n)));
    expect(groups).toEqual([[1, 2, 3], [4], [0], [5, 60, 70], [13, 8]]);
    expect(results.map((r) => r.status)).toEqual([...Array(8).fill('fulfilled'), 'rejected', 'rejected']);
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
