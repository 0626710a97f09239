import type { Mutation } from '@kverse/kv-core';
import { BinaryReader, BinaryWriter, MalformedPayloadError, stringBytes } from './binary.js';
import { allocFrame, FRAME_HEADER_BYTES, RecordType, sealFrame } from './wal-format.js';

/**
 * Payloads of write-ahead log records (README.md, "WAL records"):
 *
 * ```
 * Mutations  u8 type=1, u32 count, count × mutation
 *   mutation u8 op (1 put, 2 delete, 3 put with expiry), i64 version, f64 timestamp, str writer, str key,
 *            [put] str value, [put with expiry] f64 expiresAt
 * Purge      u8 type=2, f64 before
 * ```
 * `str` is a u32 byte length followed by UTF-8 bytes. Only mutations that took effect are logged, so conditions are
 * not: they were decided before the record was written.
 */

const OP_PUT = 1;
const OP_DELETE = 2;
const OP_PUT_EXPIRING = 3;

/** A decoded WAL record. */
export type WalRecord =
  | { readonly type: typeof RecordType.Mutations; readonly mutations: Mutation[] }
  | { readonly type: typeof RecordType.Purge; readonly before: number };

/** Whether `type` can start a WAL record payload (used when looking for intact records past damage). */
export function isWalRecordType(type: number): boolean {
  return type === RecordType.Mutations || type === RecordType.Purge;
}

function mutationBytes(m: Mutation): number {
  const fixed = 1 + 8 + 8 + stringBytes(m.writer) + stringBytes(m.key);
  if (m.op === 'delete') return fixed;
  return fixed + stringBytes(m.value) + (m.expiresAt === undefined ? 0 : 8);
}

/** A sealed frame holding the mutations, ready to append. */
export function encodeMutations(mutations: readonly Mutation[]): Buffer {
  let size = 1 + 4;
  for (const m of mutations) size += mutationBytes(m);
  const frame = allocFrame(size);
  const w = new BinaryWriter(frame, FRAME_HEADER_BYTES).u8(RecordType.Mutations).u32(mutations.length);
  for (const m of mutations) {
    const op = m.op === 'delete' ? OP_DELETE : m.expiresAt === undefined ? OP_PUT : OP_PUT_EXPIRING;
    w.u8(op).i64(m.version).f64(m.timestamp).string(m.writer).string(m.key);
    if (m.op === 'put') w.string(m.value);
    if (m.op === 'put' && m.expiresAt !== undefined) w.f64(m.expiresAt);
  }
  return sealFrame(frame);
}

/** A sealed frame recording a tombstone purge. */
export function encodePurge(before: number): Buffer {
  const frame = allocFrame(1 + 8);
  new BinaryWriter(frame, FRAME_HEADER_BYTES).u8(RecordType.Purge).f64(before);
  return sealFrame(frame);
}

/** Decodes a WAL payload whose CRC matched. Throws {@link MalformedPayloadError} when it is not a WAL record. */
export function decodeWalRecord(payload: Buffer): WalRecord {
  const r = new BinaryReader(payload);
  const type = r.u8();
  if (type === RecordType.Purge) {
    const before = r.f64();
    r.end();
    return { type, before };
  }
  if (type !== RecordType.Mutations) throw new MalformedPayloadError(`unknown WAL record type ${type}`);
  const count = r.u32();
  const mutations: Mutation[] = [];
  for (let i = 0; i < count; i++) {
    const op = r.u8();
    const version = r.i64();
    const timestamp = r.f64();
    const writer = r.string();
    const key = r.string();
    if (op === OP_PUT) mutations.push({ op: 'put', key, value: r.string(), version, writer, timestamp });
    else if (op === OP_PUT_EXPIRING) {
      const value = r.string();
      mutations.push({ op: 'put', key, value, version, writer, timestamp, expiresAt: r.f64() });
    } else if (op === OP_DELETE) mutations.push({ op: 'delete', key, version, writer, timestamp });
    else throw new MalformedPayloadError(`unknown mutation op ${op}`);
  }
  r.end();
  return { type, mutations };
}
