import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@kverse/runtime';
import { fsyncDir } from './fs-util.js';
import { MemTable } from './memtable.js';
import { loadSnapshot } from './snapshot.js';
import { RecordType } from './wal-format.js';
import { corrupted, scanSegment } from './wal-scan.js';
import { listDataDir, segmentName, snapshotName } from './wal-segments.js';
import { WalWriter, type WalWriterOptions } from './wal-writer.js';

/** What opening a data directory rebuilt. */
export interface Recovery {
  readonly table: MemTable;
  /** Positioned after the last intact record, ready to append. */
  readonly writer: WalWriter;
  /** Mutations and bytes replayed from the log (what a snapshot would save replaying next time). */
  readonly replayed: { readonly mutations: number; readonly bytes: number };
}

/**
 * Rebuilds the table of a data directory: loads the newest snapshot, replays the segments after it in order, cuts
 * off a torn tail of the last segment (with a warning) and refuses any other damage (`KV_ERR_DATA_CORRUPTED`, see
 * {@link scanSegment}). Also clears what an interrupted snapshot left behind: temporary files, and segments and
 * snapshots a newer snapshot covers.
 */
export async function recover(options: WalWriterOptions, logger: Logger): Promise<Recovery> {
  const { dir } = options;
  const listing = await listDataDir(dir);
  for (const tmp of listing.temporary) await unlink(tmp);

  const table = new MemTable();
  const snapSeq = listing.snapshots.at(-1);
  if (snapSeq !== undefined) await loadSnapshot(dir, snapSeq, table);
  const covered = snapSeq ?? 0;
  const stale = [
    ...listing.segments.filter((s) => s < covered).map(segmentName),
    ...listing.snapshots.filter((s) => s < covered).map(snapshotName),
  ];
  for (const name of stale) await unlink(join(dir, name));
  if (stale.length > 0) await fsyncDir(dir);

  const segments = listing.segments.filter((s) => s >= covered);
  const expectedFirst = snapSeq ?? segments[0];
  segments.forEach((seq, i) => {
    if (expectedFirst !== undefined && seq !== expectedFirst + i) {
      const missing = join(dir, segmentName(expectedFirst + i));
      throw corrupted(missing, 0, 'this log segment is missing (segments must be consecutive)');
    }
  });
  if (snapSeq !== undefined && segments.length === 0) {
    throw corrupted(join(dir, segmentName(snapSeq)), 0, 'the log segment that follows the newest snapshot is missing');
  }

  let mutations = 0;
  let bytes = 0;
  let tail: { seq: number; size: number } | undefined;
  for (const [i, seq] of segments.entries()) {
    const file = join(dir, segmentName(seq));
    const buf = await readFile(file);
    const isLast = i === segments.length - 1;
    const scan = scanSegment(buf, file, isLast);
    for (const record of scan.records) {
      if (record.type === RecordType.Purge) {
        table.purge(record.before);
        continue;
      }
      for (const m of record.mutations) table.applyMutation(m);
      mutations += record.mutations.length;
    }
    bytes += scan.validBytes;
    if (scan.torn) {
      logger.warn(
        { file, offset: scan.torn.offset, reason: scan.torn.reason, droppedBytes: buf.length - scan.validBytes },
        'cut off a torn record at the end of the write-ahead log (a write that was never acknowledged)',
      );
      await truncate(file, scan.validBytes);
    }
    if (isLast) tail = { seq, size: scan.validBytes };
  }

  let writer: WalWriter;
  if (tail === undefined) {
    writer = await WalWriter.create(options, covered + 1);
  } else if (tail.size === 0) {
    // The segment's own header was torn: start it over.
    await unlink(join(dir, segmentName(tail.seq)));
    writer = await WalWriter.create(options, tail.seq);
  } else {
    writer = await WalWriter.resume(options, tail.seq, tail.size);
  }
  logger.info(
    { dir, snapshot: snapSeq ?? null, segments: segments.length, mutations, keys: table.size },
    'recovered data directory',
  );
  return { table, writer, replayed: { mutations, bytes } };
}

async function truncate(file: string, size: number): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    await handle.truncate(size);
    await handle.datasync();
  } finally {
    await handle.close();
  }
}
