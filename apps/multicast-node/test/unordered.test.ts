import { afterEach, describe, expect, it } from 'vitest';
import { MemoryGroup, waitUntil } from './memory-group.js';

const groups: MemoryGroup[] = [];
afterEach(async () => {
  await Promise.all(groups.splice(0).map((g) => g.close()));
});

async function trial(seed: number, faults: { reorder?: number; duplicate?: number }): Promise<Set<string>> {
  const g = new MemoryGroup({ ordering: 'none', seed, ...faults });
  groups.push(g);
  for (const id of ['a', 'b', 'c']) g.add(id);
  for (const m of g.live()) m.node.submit({ op: 'SET', key: 'x', value: m.node.nodeId });
  await waitUntil(
    () => g.live().every((m) => m.node.snapshot().applied === 3),
    () => 'not every node applied 3 commands',
  );
  return new Set(g.live().map((m) => m.node.snapshot().digest));
}

describe('no ordering (the seed)', () => {
  it('lets concurrent conflicting SETs leave replicas different in a share of trials', async () => {
    let diverged = 0;
    for (let seed = 1; seed <= 20; seed++) if ((await trial(seed, { reorder: 0.5 })).size > 1) diverged++;
    expect(diverged).toBeGreaterThanOrEqual(3);
  });

  it('applies a duplicated datagram once', async () => {
    const g = new MemoryGroup({ ordering: 'none', duplicate: 1, seed: 3 });
    groups.push(g);
    const [a, b] = [g.add('a'), g.add('b')];
    a.node.submit({ op: 'SET', key: 'x', value: '1' });
    await waitUntil(
      () => b.node.snapshot().applied === 1,
      () => 'b did not apply',
    );
    await new Promise((r) => setTimeout(r, 20));
    expect(b.node.snapshot().applied).toBe(1);
    expect(b.faults.counts.duplicated).toBeGreaterThan(0);
  });

  it('does not apply a command on the sender before it comes back through the group', async () => {
    const g = new MemoryGroup({ ordering: 'none', seed: 4 });
    groups.push(g);
    const a = g.add('a');
    a.node.submit({ op: 'SET', key: 'x', value: '1' });
    expect(a.node.get('x')).toBeUndefined();
    await waitUntil(
      () => a.node.get('x') === '1',
      () => 'own command never delivered',
    );
  });
});
