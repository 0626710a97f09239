import { describe, expect, it } from 'vitest';
import { Takeover } from '../src/takeover.js';

describe('Takeover', () => {
  const alive = () => true;

  it('waits for every live member, then collects up to the highest number reported, then finishes', () => {
    const t = new Takeover(0, new Set(['b', 'c']), 'a', 5, 100);
    expect(t.step(10, 5, alive)).toEqual({ kind: 'ask' });
    t.recordSync('b', 9);
    expect(t.step(20, 5, alive)).toEqual({ kind: 'ask' });
    t.recordSync('c', 7);
    expect(t.step(30, 5, alive)).toEqual({ kind: 'fetch', needed: 9 });
    expect(t.step(40, 9, alive)).toEqual({ kind: 'done', needed: 9 });
  });

  it('stops waiting for members that died or stayed silent for a failure timeout', () => {
    const t = new Takeover(0, new Set(['b', 'c']), 'a', 3, 100);
    t.recordSync('b', 3);
    expect(t.step(10, 3, (id) => id !== 'c')).toEqual({ kind: 'done', needed: 3 });
    const u = new Takeover(0, new Set(['b']), 'a', 3, 100);
    expect(u.step(50, 3, alive)).toEqual({ kind: 'ask' });
    expect(u.step(100, 3, alive)).toEqual({ kind: 'done', needed: 3 });
  });

  it('gives up fetching numbers nobody supplies after a failure timeout (they are filled with NOOPs)', () => {
    const t = new Takeover(0, new Set(['b']), 'a', 2, 100);
    t.recordSync('b', 6);
    expect(t.step(10, 2, alive)).toEqual({ kind: 'fetch', needed: 6 });
    expect(t.step(60, 4, alive)).toEqual({ kind: 'fetch', needed: 6 });
    expect(t.step(110, 4, alive)).toEqual({ kind: 'done', needed: 6 });
  });
});
