import { open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { BinaryReader, BinaryWriter, MalformedPayloadError, stringBytes } from './binary.js';
import { fsyncDir, writeFully } from './fs-util.js';
import type { MemTable, TableEntry, TableView } from './memtable.js';
import {
  allocFrame,
  FRAME_HEADER_BYTES,
  MAGIC_BYTES,
  RecordType,
  readFrame,
  SNAPSHOT_MAGIC,
  sealFrame,
} from './wal-format.js';
import { corrupted } from './wal-scan.js';
import { snapshotName } from './wal-segments.js';

/**
 * Snapshot files (README.md, "Snapshots"): the whole table — tombstones included, since they still decide which
 * late mutations apply — as of the end of segment `seq - 1`.
 *
 * ```
 * magic "KVSNAP01", then framed records (wal-format.ts):
 *   Header   u8 type=3, f64 seq            (replay resumes at segment seq)
 *   Entries  u8 type=4, u32 count, count × entry      (as many as needed, ~1 MiB each)
 *     entry  str key, u8 kind (1 live, 2 tombstone, 3 live with expiry), i64 version, str writer, f64 createdAt,
 *            f64 updatedAt, [live] str value, [live with expiry] f64 expiresAt
 *   Footer   u8 type=5, f64 total entries  (a snapshot without it is incomplete)
 * ```
 * Written to `<name>.tmp`, fsynced, renamed into place and the directory fsynced, so a `.snap` file is always
 * whole; damage to one is corruption and refuses the open.
 */

const KIND_LIVE = 1;
const KIND_TOMBSTONE = 2;
const KIND_EXPIRING = 3;
const CHUNK_BYTES = 1024 * 1024;

function entryBytes(key: string, e: TableEntry): number {
  const fixed = stringBytes(key) + 1 + 8 + stringBytes(e.writer) + 8 + 8;
  if (e.value === undefined) return fixed;
  return fixed + stringBytes(e.value) + (e.expiresAt === undefined ? 0 : 8);
}

function encodeChunk(batch: ReadonlyArray<[string, TableEntry]>, bytes: number): Buffer {
  const frame = allocFrame(1 + 4 + bytes);
  const w = new BinaryWriter(frame, FRAME_HEADER_BYTES).u8(RecordType.SnapshotEntries).u32(batch.length);
  for (const [key, e] of batch) {
    const kind = e.value === undefined ? KIND_TOMBSTONE : e.expiresAt === undefined ? KIND_LIVE : KIND_EXPIRING;
    w.string(key).u8(kind).i64(e.version).string(e.writer).f64(e.createdAt).f64(e.updatedAt);
    if (e.value !== undefined) w.string(e.value);
    if (e.value !== undefined && e.expiresAt !== undefined) w.f64(e.expiresAt);
  }
  return sealFrame(frame);
}

function encodeMarker(type: typeof RecordType.SnapshotHeader | typeof RecordType.SnapshotFooter, n: number): Buffer {
  const frame = allocFrame(1 + 8);
  new BinaryWriter(frame, FRAME_HEADER_BYTES).u8(type).f64(n);
  return sealFrame(frame);
}

/**
 * Writes `snap-<seq>.snap` holding `view` durably. When it resolves the snapshot survives a crash and the segments
 * numbered below `seq` are no longer needed. Returns the file's size.
 */
export async function writeSnapshot(dir: string, seq: number, view: TableView): Promise<number> {
  const path = join(dir, snapshotName(seq));
  const tmp = path + '.tmp';
  const handle = await open(tmp, 'w');
  let size = 0;
  try {
    const put = async (data: Buffer): Promise<void> => {
      await writeFully(handle, data);
      size += data.length;
    };
    await put(SNAPSHOT_MAGIC);
    await put(encodeMarker(RecordType.SnapshotHeader, seq));
    let batch: Array<[string, TableEntry]> = [];
    let bytes = 0;
    let total = 0;
    for (const [key, e] of view.entries()) {
      batch.push([key, e]);
      bytes += entryBytes(key, e);
      total += 1;
      if (bytes >= CHUNK_BYTES) {
        await put(encodeChunk(batch, bytes));
        batch = [];
        bytes = 0;
      }
    }
    if (batch.length > 0) await put(encodeChunk(batch, bytes));
    await put(encodeMarker(RecordType.SnapshotFooter, total));
    await handle.datasync();
  } catch (err) {
    await handle.close();
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await handle.close();
  await rename(tmp, path);
  await fsyncDir(dir);
  return size;
}

/** Loads `snap-<seq>.snap` into an empty table. Throws `KV_ERR_DATA_CORRUPTED` (file and offset) if damaged. */
export async function loadSnapshot(dir: string, seq: number, table: MemTable): Promise<void> {
  const file = join(dir, snapshotName(seq));
  const buf = await readFile(file);
  if (!SNAPSHOT_MAGIC.equals(buf.subarray(0, MAGIC_BYTES)))
    throw corrupted(file, 0, 'not a KVerse snapshot (bad magic)');
  let offset = MAGIC_BYTES;
  let loaded = 0;
  let sawHeader = false;
  while (offset < buf.length) {
    const frame = readFrame(buf, offset);
    if (!frame.ok) throw corrupted(file, offset, frame.reason);
    try {
      const r = new BinaryReader(frame.payload);
      const type = r.u8();
      if (!sawHeader) {
        if (type !== RecordType.SnapshotHeader || r.f64() !== seq) throw new MalformedPayloadError('bad header');
        sawHeader = true;
      } else if (type === RecordType.SnapshotEntries) {
        loaded += readEntries(r, table);
      } else if (type === RecordType.SnapshotFooter) {
        const total = r.f64();
        r.end();
        if (total !== loaded) throw new MalformedPayloadError(`footer counts ${total} entries, read ${loaded}`);
        if (frame.next !== buf.length) throw new MalformedPayloadError('data after the footer');
        return;
      } else {
        throw new MalformedPayloadError(`unexpected record type ${type}`);
      }
      r.end();
    } catch (err) {
      throw corrupted(file, offset, `record passes its CRC but does not decode: ${(err as Error).message}`);
    }
    offset = frame.next;
  }
  throw corrupted(file, offset, 'snapshot ends without its footer');
}

function readEntries(r: BinaryReader, table: MemTable): number {
  const count = r.u32();
  for (let i = 0; i < count; i++) {
    const key = r.string();
    const kind = r.u8();
    const version = r.i64();
    const writer = r.string();
    const createdAt = r.f64();
    const updatedAt = r.f64();
    if (kind === KIND_TOMBSTONE) {
      table.install(key, { value: undefined, version, writer, createdAt, updatedAt });
    } else if (kind === KIND_LIVE || kind === KIND_EXPIRING) {
      const value = r.string();
      const expiresAt = kind === KIND_EXPIRING ? r.f64() : undefined;
      table.install(key, { value, version, writer, createdAt, updatedAt, expiresAt });
    } else {
      throw new MalformedPayloadError(`unknown entry kind ${kind}`);
    }
  }
  return count;
}
