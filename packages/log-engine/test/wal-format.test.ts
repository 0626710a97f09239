import { describe, expect, it } from 'vitest';
import { allocFrame, FRAME_HEADER_BYTES, hasValidRecordFrom, readFrame, sealFrame } from '../src/wal-format.js';

function frameOf(text: string): Buffer {
  const payload = Buffer.from(text);
  const frame = allocFrame(payload.length);
  payload.copy(frame, FRAME_HEADER_BYTES);
  return sealFrame(frame);
}

const anyType = () => true;

describe('record framing', () => {
  it('lays out length, CRC-32 and payload, and reads them back', () => {
    const frame = frameOf('hello');
    expect(frame.readUInt32LE(0)).toBe(5);
    // CRC-32 (IEEE) of "hello", as zlib and gzip compute it.
    expect(frame.readUInt32LE(4)).toBe(0x3610a686);
    const read = readFrame(Buffer.concat([Buffer.alloc(3), frame]), 3);
    expect(read).toMatchObject({ ok: true, next: 3 + FRAME_HEADER_BYTES + 5 });
    expect(read.ok && read.payload.toString()).toBe('hello');
  });

  it('detects a flipped payload bit, a cut-short record and an impossible length', () => {
    const frame = frameOf('payload');
    const flipped = Buffer.from(frame);
    flipped[FRAME_HEADER_BYTES + 2] = (flipped[FRAME_HEADER_BYTES + 2] ?? 0) ^ 0x10;
    expect(readFrame(flipped, 0)).toMatchObject({ ok: false, reason: expect.stringContaining('CRC mismatch') });
    expect(readFrame(frame.subarray(0, frame.length - 1), 0)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('runs past the end'),
    });
    expect(readFrame(frame.subarray(0, 5), 0)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('cut short'),
    });
    expect(readFrame(Buffer.alloc(16), 0)).toMatchObject({ ok: false, reason: 'impossible record length 0' });
  });

  it('finds an intact record behind damage, but not in zeros or garbage', () => {
    const damaged = Buffer.concat([Buffer.from('garbage!'), frameOf('next')]);
    expect(hasValidRecordFrom(damaged, 1, anyType)).toBe(true);
    expect(hasValidRecordFrom(Buffer.alloc(4096), 0, anyType)).toBe(false);
    const noise = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251));
    expect(hasValidRecordFrom(noise, 0, anyType)).toBe(false);
    expect(hasValidRecordFrom(damaged, 1, () => false)).toBe(false);
  });
});
