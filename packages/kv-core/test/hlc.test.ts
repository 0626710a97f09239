import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareStamps, HybridClock, parseVersion, versionFromParts, versionMillis } from '../src/hlc.js';

describe('HybridClock', () => {
  it('stays at wall time while the wall clock advances', () => {
    let wall = 1_700_000_000_000;
    const clock = new HybridClock({ writer: 'a', now: () => wall });
    expect(versionMillis(clock.next().version)).toBe(wall);
    wall += 5;
    expect(clock.next().version).toBe(versionFromParts(wall, 0));
  });

  it('is strictly monotonic when the wall clock stalls or goes backwards', () => {
    let wall = 1_700_000_000_000;
    const clock = new HybridClock({ writer: 'a', now: () => wall });
    const a = clock.next().version;
    const b = clock.next().version;
    wall -= 1000;
    const c = clock.next().version;
    expect(b).toBe(a + 1n);
    expect(c).toBe(b + 1n);
  });

  it('mints versions above anything it observed', () => {
    const clock = new HybridClock({ writer: 'a', now: () => 1000 });
    const remote = versionFromParts(5000, 7);
    clock.observe(remote);
    expect(clock.next().version).toBe(remote + 1n);
  });

  it('orders all stamps totally, breaking version ties by writer', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 1n << 62n }), fc.string(), fc.string(), (v, w1, w2) => {
        const a = { version: v, writer: w1 };
        const b = { version: v, writer: w2 };
        expect(Math.sign(compareStamps(a, b)) + Math.sign(compareStamps(b, a))).toBe(0);
        if (w1 !== w2) expect(compareStamps(a, b)).not.toBe(0);
      }),
    );
  });

  it('parses only canonical decimal versions that fit INT8', () => {
    expect(parseVersion('42')).toBe(42n);
    expect(parseVersion('9223372036854775807')).toBe((1n << 63n) - 1n);
    for (const bad of ['', '-1', '01', '1.5', '9223372036854775808', 'abc', ' 1']) {
      expect(parseVersion(bad)).toBeUndefined();
    }
  });
});
