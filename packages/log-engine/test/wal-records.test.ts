import type { Mutation } from '@kverse/kv-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MalformedPayloadError } from '../src/binary.js';
import { FRAME_HEADER_BYTES, RecordType, readFrame } from '../src/wal-format.js';
import { decodeWalRecord, encodeMutations, encodePurge } from '../src/wal-records.js';

const mutationArb: fc.Arbitrary<Mutation> = fc
  .record({
    del: fc.boolean(),
    key: fc.string({ minLength: 1, unit: 'grapheme' }),
    value: fc.string({ unit: 'grapheme', maxLength: 300 }),
    version: fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }),
    writer: fc.string({ unit: 'grapheme' }),
    timestamp: fc.integer({ min: 0, max: 2 ** 47 }),
  })
  .map(({ del, key, value, version, writer, timestamp }) =>
    del ? { op: 'delete', key, version, writer, timestamp } : { op: 'put', key, value, version, writer, timestamp },
  );

function payloadOf(frame: Buffer): Buffer {
  const read = readFrame(frame, 0);
  if (!read.ok) throw new Error(read.reason);
  expect(read.next).toBe(frame.length);
  return read.payload;
}

describe('WAL records', () => {
  it('round-trips any batch of mutations exactly', () => {
    fc.assert(
      fc.property(fc.array(mutationArb, { maxLength: 20 }), (mutations) => {
        const record = decodeWalRecord(payloadOf(encodeMutations(mutations)));
        expect(record).toEqual({ type: RecordType.Mutations, mutations });
      }),
      { numRuns: 300 },
    );
  });

  it('encodes a put in the documented layout', () => {
    const frame = encodeMutations([{ op: 'put', key: 'k', value: 'é', version: 258n, writer: 'w', timestamp: 1.5 }]);
    const p = frame.subarray(FRAME_HEADER_BYTES);
    const expected = Buffer.concat([
      Buffer.from([1]), // type Mutations
      u32(1), // count
      Buffer.from([1]), // op put
      Buffer.from([2, 1, 0, 0, 0, 0, 0, 0]), // version 258, i64 LE
      f64(1.5),
      u32(1),
      Buffer.from('w'),
      u32(1),
      Buffer.from('k'),
      u32(2),
      Buffer.from('é'),
    ]);
    expect(p).toEqual(expected);
  });

  it('round-trips a purge', () => {
    expect(decodeWalRecord(payloadOf(encodePurge(1234.5)))).toEqual({ type: RecordType.Purge, before: 1234.5 });
  });

  it('rejects payloads that are not WAL records', () => {
    expect(() => decodeWalRecord(Buffer.from([9]))).toThrow(MalformedPayloadError);
    const good = payloadOf(encodeMutations([{ op: 'delete', key: 'k', version: 1n, writer: 'w', timestamp: 0 }]));
    expect(() => decodeWalRecord(good.subarray(0, good.length - 1))).toThrow(MalformedPayloadError);
    expect(() => decodeWalRecord(Buffer.concat([good, Buffer.from([0])]))).toThrow(/trailing/);
  });
});

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

function f64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(n);
  return b;
}
