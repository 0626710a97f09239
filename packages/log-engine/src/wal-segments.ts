import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Names of the files in a data directory. Sequence numbers are zero-padded so names sort in numeric order:
 *
 * - `wal-<seq>.log`: a write-ahead log segment; segments are numbered consecutively and replayed in order.
 * - `snap-<seq>.snap`: a snapshot of the table holding every record of the segments numbered below `<seq>`.
 * - `*.tmp`: a snapshot being written; it becomes a `.snap` by an atomic rename, so leftovers are garbage.
 * - `LOCK`: the process holding the directory (see dir-lock.ts).
 */

const SEQ_DIGITS = 16;
const SEGMENT = /^wal-(\d{16})\.log$/;
const SNAPSHOT = /^snap-(\d{16})\.snap$/;

export function segmentName(seq: number): string {
  return `wal-${String(seq).padStart(SEQ_DIGITS, '0')}.log`;
}

export function snapshotName(seq: number): string {
  return `snap-${String(seq).padStart(SEQ_DIGITS, '0')}.snap`;
}

export interface DirListing {
  /** Segment sequence numbers, ascending. */
  readonly segments: number[];
  /** Snapshot sequence numbers, ascending. */
  readonly snapshots: number[];
  /** Leftover temporary files (full paths). */
  readonly temporary: string[];
}

export async function listDataDir(dir: string): Promise<DirListing> {
  const segments: number[] = [];
  const snapshots: number[] = [];
  const temporary: string[] = [];
  for (const name of await readdir(dir)) {
    const seg = SEGMENT.exec(name);
    const snap = SNAPSHOT.exec(name);
    if (seg?.[1] !== undefined) segments.push(Number(seg[1]));
    else if (snap?.[1] !== undefined) snapshots.push(Number(snap[1]));
    else if (name.endsWith('.tmp')) temporary.push(join(dir, name));
  }
  segments.sort((a, b) => a - b);
  snapshots.sort((a, b) => a - b);
  return { segments, snapshots, temporary };
}
