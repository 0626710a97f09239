import { afterEach, describe, expect, it } from 'vitest';
import { type Member, MemoryGroup, waitForSequencer, waitUntil } from './memory-group.js';

const groups: MemoryGroup[] = [];
afterEach(async () => {
  await Promise.all(groups.splice(0).map((g) => g.close()));
});

function group(options: ConstructorParameters<typeof MemoryGroup>[0], ids: string[]): MemoryGroup {
  const g = new MemoryGroup(options);
  groups.push(g);
  for (const id of ids) g.add(id);
  return g;
}

/** Every live member applied `count` commands. */
function allApplied(g: MemoryGroup, count: number): () => boolean {
  return () => g.live().every((m) => m.node.snapshot().applied >= count);
}

function describeGroup(g: MemoryGroup): string {
  return JSON.stringify(
    g.live().map((m) => ({ id: m.node.nodeId, applied: m.node.snapshot().applied, ...m.node.state().ordering })),
  );
}

function conflictingWrites(members: Member[], rounds: number): void {
  for (let r = 0; r < rounds; r++) {
    for (const m of members) m.node.submit({ op: 'SET', key: `k${r % 3}`, value: `${m.node.nodeId}-${r}` });
  }
}

describe('total order over a lossy, duplicating, reordering network', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`delivers the same commands in the same order on every node (seed ${seed})`, async () => {
      const g = group({ ordering: 'total', drop: 0.2, duplicate: 0.2, reorder: 0.3, seed }, ['a', 'b', 'c']);
      await waitForSequencer(g);
      // One round per millisecond, so orders go out in many datagrams (the sequencer batches a turn's commands).
      for (let r = 0; r < 30; r++) {
        conflictingWrites(g.live(), 1);
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      await waitUntil(allApplied(g, 90), () => describeGroup(g));
      const [first, ...rest] = g.live();
      for (const m of rest) {
        expect(m.deliveries).toEqual(first!.deliveries);
        expect(m.node.snapshot().digest).toBe(first!.node.snapshot().digest);
      }
      expect(new Set(first!.deliveries).size).toBe(90);
      // The faults really happened, and were repaired by retransmission.
      const counts = g.live().map((m) => m.faults.counts);
      expect(counts.reduce((s, c) => s + c.dropped, 0)).toBeGreaterThan(10);
      expect(counts.reduce((s, c) => s + c.duplicated, 0)).toBeGreaterThan(10);
      expect(counts.reduce((s, c) => s + c.reordered, 0)).toBeGreaterThan(10);
      const retransmitted = await Promise.all(
        g.live().map(async (m) => (await m.metrics.retransmitted.get()).values[0]?.value ?? 0),
      );
      expect(retransmitted.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    });
  }

  it("keeps each sender's commands in the order it issued them", async () => {
    const g = group({ ordering: 'total', reorder: 0.6, duplicate: 0.2, seed: 7 }, ['a', 'b', 'c']);
    await waitForSequencer(g);
    const writer = g.get('c').node;
    for (let i = 1; i <= 40; i++) writer.submit({ op: 'SET', key: 'x', value: String(i) });
    await waitUntil(allApplied(g, 40), () => describeGroup(g));
    for (const m of g.live()) expect(m.node.get('x')).toBe('40');
  });

  it('fails over when the sequencer is killed mid-run and the survivors still agree', async () => {
    const g = group({ ordering: 'total', drop: 0.1, reorder: 0.2, seed: 11 }, ['a', 'b', 'c', 'd']);
    const first = await waitForSequencer(g);
    expect(first).toBe('a');
    conflictingWrites(g.live(), 10);
    await new Promise((r) => setTimeout(r, 3));
    await g.kill('a');
    const survivors = g.live();
    conflictingWrites(survivors, 10);
    const second = await waitForSequencer(g);
    expect(second).toBe('b');
    // Every survivor's own 20 commands arrive; the dead sequencer's may or may not have made it.
    await waitUntil(
      () =>
        survivors.every((m) =>
          survivors.every((s) => m.deliveries.filter((d) => d.startsWith(`${s.node.nodeId}/`)).length === 20),
        ),
      () => describeGroup(g),
    );
    await waitUntil(
      () => new Set(survivors.map((m) => m.deliveries.length)).size === 1,
      () => describeGroup(g),
    );
    for (const m of survivors.slice(1)) expect(m.deliveries).toEqual(survivors[0]!.deliveries);
    expect(new Set(survivors.map((m) => m.node.snapshot().digest)).size).toBe(1);
    expect(g.get('b').node.state().ordering).toMatchObject({ role: 'sequencer', epoch: 2 });
  });

  it('keeps going when a member (not the sequencer) is killed', async () => {
    const g = group({ ordering: 'total', drop: 0.1, seed: 12 }, ['a', 'b', 'c']);
    await waitForSequencer(g);
    conflictingWrites(g.live(), 10);
    await g.kill('c');
    conflictingWrites(g.live(), 10);
    await waitUntil(
      () => g.live().every((m) => m.deliveries.filter((d) => !d.startsWith('c/')).length === 40),
      () => describeGroup(g),
    );
    await waitUntil(
      () => g.get('a').deliveries.length === g.get('b').deliveries.length,
      () => describeGroup(g),
    );
    expect(g.get('a').deliveries).toEqual(g.get('b').deliveries);
    expect(g.get('a').node.state().ordering).toMatchObject({ role: 'sequencer', epoch: 1 });
  });

  it('heals a sequencer that was cut off and kept numbering alone: it rejoins, replays, and its writes survive', async () => {
    const g = group({ ordering: 'total', drop: 0.05, seed: 14 }, ['a', 'b', 'c']);
    await waitForSequencer(g);
    conflictingWrites(g.live(), 5);
    await waitUntil(allApplied(g, 15), () => describeGroup(g));
    g.network.isolate('a', true);
    // Alone, 'a' still numbers and applies its own commands; the others replace it and go on without them.
    for (let i = 0; i < 5; i++) g.get('a').node.submit({ op: 'SET', key: `alone${i}`, value: 'a' });
    await waitUntil(
      () => g.get('a').node.snapshot().applied === 20,
      () => describeGroup(g),
    );
    await waitUntil(
      () => g.get('b').node.state().ordering.role === 'sequencer',
      () => describeGroup(g),
    );
    conflictingWrites([g.get('b'), g.get('c')], 5);
    await waitUntil(
      () => g.get('c').node.snapshot().applied >= 25,
      () => describeGroup(g),
    );
    expect(g.get('a').node.snapshot().digest).not.toBe(g.get('b').node.snapshot().digest);
    g.network.isolate('a', false);
    await waitUntil(
      () =>
        g.live().every((m) => m.node.snapshot().applied === 30) &&
        new Set(g.live().map((m) => m.node.snapshot().digest)).size === 1,
      () => describeGroup(g),
    );
    expect(g.get('a').node.state().ordering).toMatchObject({ role: 'follower', sequencer: 'b' });
    for (const m of g.live()) expect(m.node.get('alone4')).toBe('a');
    expect((await g.get('a').metrics.resets.get()).values[0]?.value).toBe(1);
  });

  it('replaces a sequencer that restarts under the same id, and the restarted node catches up', async () => {
    // 'b' is the sequencer and 'a' (a lower id) joined later; a restarted 'b' will not claim the role back.
    const g = group({ ordering: 'total', drop: 0.05, seed: 15 }, ['b', 'c']);
    await waitForSequencer(g);
    g.add('a');
    conflictingWrites(g.live(), 10);
    await waitUntil(allApplied(g, 30), () => describeGroup(g));
    await g.kill('b');
    // Back at once, as a new incarnation with an empty log: it heartbeats, but no longer as the sequencer.
    const restarted = g.add('b');
    await waitUntil(
      () => g.get('a').node.state().ordering.role === 'sequencer',
      () => describeGroup(g),
    );
    conflictingWrites(g.live(), 10);
    await waitUntil(allApplied(g, 60), () => describeGroup(g));
    expect(new Set(g.live().map((m) => m.node.snapshot().digest)).size).toBe(1);
    expect(restarted.node.snapshot().applied).toBe(60);
    expect(restarted.node.state().ordering).toMatchObject({ sequencer: 'a', role: 'follower' });
  });

  it('brings a late joiner up to date by replaying the log', async () => {
    const g = group({ ordering: 'total', drop: 0.1, seed: 13 }, ['b', 'c']);
    await waitForSequencer(g);
    conflictingWrites(g.live(), 100);
    await waitUntil(allApplied(g, 200), () => describeGroup(g));
    // 'a' has the lowest id but joins an existing group: it follows the sitting sequencer, it does not usurp it.
    const late = g.add('a');
    await waitUntil(
      () => late.node.snapshot().applied === 200,
      () => describeGroup(g),
    );
    expect(late.deliveries).toEqual(g.get('b').deliveries);
    expect(late.node.snapshot().digest).toBe(g.get('b').node.snapshot().digest);
    expect(late.node.state().ordering).toMatchObject({ sequencer: 'b', role: 'follower' });
  });
});
