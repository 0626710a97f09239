import { crc32 } from 'node:zlib';

/**
 * Framing shared by write-ahead log segments and snapshot files (see README.md, "On-disk format").
 *
 * A file is an 8-byte magic followed by records. A record is
 *
 * ```
 * offset 0  u32 LE  payload length L (1 ..= MAX_RECORD_BYTES)
 * offset 4  u32 LE  CRC-32 (IEEE, as zlib/gzip) of the L payload bytes
 * offset 8  L bytes payload; its first byte is the record type
 * ```
 *
 * The length comes first so a reader can skip a record without decoding it; the CRC covers the payload only,
 * so a corrupted length shows up as a CRC mismatch (or a length running past the end of the file).
 */

/** Bytes before each payload: length + CRC. */
export const FRAME_HEADER_BYTES = 8;

/** Bytes of the magic at the start of every file. */
export const MAGIC_BYTES = 8;

/** Magic of a write-ahead log segment (format version 1). */
export const WAL_MAGIC = Buffer.from('KVWAL001', 'latin1');

/** Magic of a snapshot file (format version 1). */
export const SNAPSHOT_MAGIC = Buffer.from('KVSNAP01', 'latin1');

/**
 * Largest payload a reader accepts. Bigger lengths can only come from corruption; the writer never produces them
 * because a group is capped well below it and a single oversized batch is refused.
 */
export const MAX_RECORD_BYTES = 256 * 1024 * 1024;

/** Record types (the payload's first byte). */
export const RecordType = {
  /** WAL: a group of mutations that took effect, in the order they were applied. */
  Mutations: 1,
  /** WAL: tombstones of deletes issued before a time were purged. */
  Purge: 2,
  /** Snapshot: which log segment the snapshot stops at. */
  SnapshotHeader: 3,
  /** Snapshot: a run of table entries. */
  SnapshotEntries: 4,
  /** Snapshot: end marker with the entry count, so a snapshot cut short is never mistaken for a whole one. */
  SnapshotFooter: 5,
} as const;

export type RecordTypeValue = (typeof RecordType)[keyof typeof RecordType];

/**
 * Allocates a frame for a payload of `payloadBytes` bytes; the payload goes at offset {@link FRAME_HEADER_BYTES}
 * and {@link sealFrame} fills in the header once it is written.
 */
export function allocFrame(payloadBytes: number): Buffer {
  return Buffer.allocUnsafe(FRAME_HEADER_BYTES + payloadBytes);
}

/** Writes length and CRC of the payload into the frame header; returns the frame. */
export function sealFrame(frame: Buffer): Buffer {
  const payload = frame.subarray(FRAME_HEADER_BYTES);
  frame.writeUInt32LE(payload.length, 0);
  frame.writeUInt32LE(crc32(payload), 4);
  return frame;
}

/** Result of reading the record that starts at an offset. */
export type FrameRead =
  | { readonly ok: true; readonly payload: Buffer; readonly next: number }
  | { readonly ok: false; readonly reason: string };

/** Reads and checks the record at `offset` of `buf` (which holds the whole file). */
export function readFrame(buf: Buffer, offset: number): FrameRead {
  const remaining = buf.length - offset;
  if (remaining < FRAME_HEADER_BYTES) {
    return { ok: false, reason: `record header cut short (${remaining} of ${FRAME_HEADER_BYTES} bytes)` };
  }
  const length = buf.readUInt32LE(offset);
  if (length === 0 || length > MAX_RECORD_BYTES) return { ok: false, reason: `impossible record length ${length}` };
  if (length > remaining - FRAME_HEADER_BYTES) {
    return {
      ok: false,
      reason: `record of ${length} bytes runs past the end of the file (${remaining - FRAME_HEADER_BYTES} left)`,
    };
  }
  const start = offset + FRAME_HEADER_BYTES;
  const payload = buf.subarray(start, start + length);
  const expected = buf.readUInt32LE(offset + 4);
  const actual = crc32(payload);
  if (actual !== expected) {
    return { ok: false, reason: `CRC mismatch (stored ${hex(expected)}, computed ${hex(actual)})` };
  }
  return { ok: true, payload, next: start + length };
}

/**
 * Whether any intact record starts at or after `from`. Decides between a torn tail (nothing valid follows the
 * damage: the last write was cut short) and corruption in the middle (valid records follow: acknowledged data
 * would be lost by truncating). A random position passes the length and CRC checks with odds of about 2^-32.
 */
export function hasValidRecordFrom(buf: Buffer, from: number, isKnownType: (type: number) => boolean): boolean {
  for (let p = from; p + FRAME_HEADER_BYTES < buf.length; p++) {
    const length = buf.readUInt32LE(p);
    if (length === 0 || length > buf.length - p - FRAME_HEADER_BYTES) continue;
    if (!isKnownType(buf[p + FRAME_HEADER_BYTES] ?? 0)) continue;
    if (readFrame(buf, p).ok) return true;
  }
  return false;
}

function hex(n: number): string {
  return '0x' + n.toString(16).padStart(8, '0');
}
