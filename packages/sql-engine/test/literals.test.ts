import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boolLiteral, bytesLiteral, int8Literal, textLiteral } from '../src/literals.js';

// What a literal may contain besides its payload's hex or decimal digits: no quote can be closed early.
const SAFE = /^(decode\('[0-9a-f]*', 'hex'\)|convert_from\(decode\('[0-9a-f]*', 'hex'\), 'UTF8'\)|-?[0-9]+::INT8)$/;

describe('SQL literals of the apply path', () => {
  it('carry any text and bytes as hex only, and decode back to them', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.uint8Array(), (text, bytes) => {
        const t = textLiteral(text);
        const b = bytesLiteral(Buffer.from(bytes));
        expect(t).toMatch(SAFE);
        expect(b).toMatch(SAFE);
        expect(Buffer.from(/'([0-9a-f]*)'/.exec(t)![1]!, 'hex').toString('utf8')).toBe(text);
        expect(Buffer.from(/'([0-9a-f]*)'/.exec(b)![1]!, 'hex')).toEqual(Buffer.from(bytes));
      }),
    );
  });

  it('write INT8s as digits and refuse what is not one', () => {
    expect(int8Literal(0)).toBe('0::INT8');
    expect(int8Literal(-5)).toBe('-5::INT8');
    expect(int8Literal(2n ** 63n - 1n)).toBe('9223372036854775807::INT8');
    for (const bad of [1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60, 2n ** 63n, -(2n ** 63n) - 1n]) {
      expect(() => int8Literal(bad)).toThrow(RangeError);
    }
    expect(boolLiteral(true)).toBe('TRUE');
    expect(boolLiteral(false)).toBe('FALSE');
  });
});
