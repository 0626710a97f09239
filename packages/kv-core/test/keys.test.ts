import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareKeys, decodeCursor, encodeCursor } from '../src/keys.js';

describe('compareKeys', () => {
  it('orders keys exactly as their UTF-8 bytes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (a, b) => {
        const bytes = Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
        expect(Math.sign(compareKeys(a, b))).toBe(bytes);
      }),
      { numRuns: 2000 },
    );
  });

  it('puts astral characters after U+E000..U+FFFF, unlike UTF-16 order', () => {
    expect(compareKeys('\u{1F600}', '\uFFFD')).toBeGreaterThan(0);
    expect('\u{1F600}' < '\uFFFD').toBe(true);
  });
});

describe('cursors', () => {
  it('round-trips any key and rejects foreign cursors', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, unit: 'grapheme' }), (key) => {
        expect(decodeCursor(encodeCursor(key))).toBe(key);
      }),
    );
    expect(decodeCursor('not a cursor!')).toBeUndefined();
    expect(decodeCursor('')).toBeUndefined();
  });
});
