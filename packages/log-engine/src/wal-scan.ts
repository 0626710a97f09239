import { KvError } from '@kverse/kv-core';
import { hasValidRecordFrom, MAGIC_BYTES, readFrame, WAL_MAGIC } from './wal-format.js';
import { decodeWalRecord, isWalRecordType, type WalRecord } from './wal-records.js';

/** What reading one segment found. */
export interface SegmentScan {
  readonly records: WalRecord[];
  /** Bytes from the start of the file through the last intact record. */
  readonly validBytes: number;
  /** Set when the segment ends in a torn record that recovery must cut off at `validBytes`. */
  readonly torn?: { readonly offset: number; readonly reason: string };
}

/**
 * Reads every record of a segment held in `buf`.
 *
 * Damage is classified, never silently skipped:
 * - in the last segment, a damaged record followed by no intact record is a torn tail: the write in flight when
 *   the process or machine died. It was never acknowledged (acknowledgement waits for its fsync), so recovery
 *   may cut it off; the scan reports it in `torn`.
 * - anything else — damage with intact records after it, damage in an earlier segment (segments are fsynced
 *   before the next one starts), a record that passes its CRC but does not decode — is corruption of data that
 *   may have been acknowledged: the scan throws `KV_ERR_DATA_CORRUPTED` naming the file and byte offset.
 */
export function scanSegment(buf: Buffer, file: string, isLast: boolean): SegmentScan {
  if (buf.length < MAGIC_BYTES && isLast && WAL_MAGIC.subarray(0, buf.length).equals(buf)) {
    // Created but its header never fully reached the disk.
    return { records: [], validBytes: 0, torn: { offset: 0, reason: 'segment header cut short' } };
  }
  if (!WAL_MAGIC.equals(buf.subarray(0, MAGIC_BYTES))) {
    throw corrupted(file, 0, 'not a KVerse write-ahead log segment (bad magic)');
  }
  const records: WalRecord[] = [];
  let offset = MAGIC_BYTES;
  while (offset < buf.length) {
    const frame = readFrame(buf, offset);
    if (!frame.ok) {
      if (isLast && !hasValidRecordFrom(buf, offset + 1, isWalRecordType)) {
        return { records, validBytes: offset, torn: { offset, reason: frame.reason } };
      }
      const where = isLast ? 'intact records follow it' : 'it is not the last segment';
      throw corrupted(file, offset, `${frame.reason}; ${where}`);
    }
    try {
      records.push(decodeWalRecord(frame.payload));
    } catch (err) {
      throw corrupted(file, offset, `record passes its CRC but does not decode: ${(err as Error).message}`);
    }
    offset = frame.next;
  }
  return { records, validBytes: offset };
}

/** The error for a data file that must not be opened; names the file and byte offset. */
export function corrupted(file: string, offset: number, reason: string): KvError {
  return new KvError(
    'KV_ERR_DATA_CORRUPTED',
    `${file} is corrupt at byte offset ${offset}: ${reason}. Refusing to open so that no acknowledged write is ` +
      'silently dropped; restore the data directory from a backup, or move the damaged file away to accept the loss.',
    { details: { file, offset } },
  );
}
