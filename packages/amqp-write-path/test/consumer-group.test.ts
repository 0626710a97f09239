import { describe, expect, it } from 'vitest';
import { partitionOwners } from '../src/consumer-group.js';

const members = (n: number) => Array.from({ length: n }, (_, i) => `kverse-consumer-7d9f${i}.a1b2c3d${i}`);
const countBy = (owners: string[]) => owners.reduce((m, o) => m.set(o, (m.get(o) ?? 0) + 1), new Map<string, number>());

describe('partitionOwners', () => {
  it('gives every partition to the one member there is', () => {
    expect(partitionOwners(['a'], 8)).toEqual(Array(8).fill('a'));
  });

  it('is the same whatever order the members are listed in', () => {
    const list = members(5);
    expect(partitionOwners([...list].reverse(), 64)).toEqual(partitionOwners(list, 64));
  });

  it('gives each member the floor or the ceiling of its share of the partitions', () => {
    for (const partitions of [8, 12, 256]) {
      for (let n = 1; n <= 8; n++) {
        const counts = countBy(partitionOwners(members(n), partitions));
        expect(counts.size).toBe(n);
        for (const c of counts.values()) {
          expect(c).toBeLessThanOrEqual(Math.ceil(partitions / n));
          expect(c).toBeGreaterThanOrEqual(Math.floor(partitions / n));
        }
        expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(partitions);
      }
    }
  });

  it('moves few of the other partitions when a member leaves or joins', () => {
    const five = members(5);
    const before = partitionOwners(five, 256);
    const gone = five[2]!;
    const after = partitionOwners(
      five.filter((m) => m !== gone),
      256,
    );
    const kept = before.filter((owner, p) => owner !== gone && after[p] === owner).length;
    expect(kept).toBeGreaterThan(before.filter((owner) => owner !== gone).length * 0.9);
    const newcomer = 'newcomer.00000000';
    const joined = partitionOwners([...five, newcomer], 256);
    expect(joined.filter((owner, p) => owner !== newcomer && owner !== before[p]).length).toBeLessThan(256 * 0.1);
    expect(joined.filter((o) => o === newcomer).length).toBeGreaterThan(0);
  });

  it('owns nothing without members', () => {
    expect(partitionOwners([], 4)).toEqual([]);
  });
});
