import { describe, expect, it } from 'vitest';
import { Replica } from '../src/replica.js';

describe('Replica', () => {
  it('counts every applied command as the local order and changes state only on SET', () => {
    const r = new Replica();
    expect(r.apply({ op: 'SET', key: 'x', value: '1' })).toBe(1);
    expect(r.apply({ op: 'GET', key: 'x' })).toBe(2);
    expect(r.apply({ op: 'PRINT' })).toBe(3);
    expect(r.snapshot()).toMatchObject({ entries: { x: '1' }, size: 1, applied: 3 });
  });

  it('gives equal dictionaries equal digests whatever the order of writes, and different ones different digests', () => {
    const a = new Replica();
    const b = new Replica();
    a.apply({ op: 'SET', key: 'x', value: '1' });
    a.apply({ op: 'SET', key: 'y', value: '2' });
    b.apply({ op: 'SET', key: 'y', value: '2' });
    b.apply({ op: 'SET', key: 'x', value: '1' });
    expect(a.snapshot().digest).toBe(b.snapshot().digest);
    expect(a.snapshot().digest).toMatch(/^[0-9a-f]{16}$/);
    b.apply({ op: 'SET', key: 'x', value: '3' });
    expect(a.snapshot().digest).not.toBe(b.snapshot().digest);
  });

  it('does not confuse entries whose concatenations are equal', () => {
    const a = new Replica();
    const b = new Replica();
    a.apply({ op: 'SET', key: 'ab', value: 'c' });
    b.apply({ op: 'SET', key: 'a', value: 'bc' });
    expect(a.snapshot().digest).not.toBe(b.snapshot().digest);
  });
});
