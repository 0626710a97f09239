import { fdatasync, writeSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir, writeFully } from './fs-util.js';
import { MAGIC_BYTES, WAL_MAGIC } from './wal-format.js';
import { segmentName } from './wal-segments.js';

export interface WalWriterOptions {
  /** Data directory. */
  readonly dir: string;
  /** fdatasync after every append (false only for the `none` sync mode). */
  readonly fsync: boolean;
  /** Start a new segment once the current one reaches this many bytes. */
  readonly segmentBytes: number;
}

/** Counters for metrics and the benchmark. */
export interface WalStats {
  /** fdatasync calls made for appends (not counting segment creation). */
  fsyncs: number;
  /** Records appended. */
  records: number;
  /** Bytes appended, frames included. */
  bytes: number;
}

/**
 * Appends sealed frames to the current segment. Frames are written synchronously, in call order; {@link sync} makes
 * them durable. The commit pipeline never rotates or closes while a sync is in flight.
 */
export class WalWriter {
  readonly stats: WalStats = { fsyncs: 0, records: 0, bytes: 0 };
  private unsynced = false;

  private constructor(
    private readonly options: WalWriterOptions,
    private handle: FileHandle,
    private seqNumber: number,
    private size: number,
  ) {}

  /** Creates segment `seq` (which must not exist) and makes it durable. */
  static async create(options: WalWriterOptions, seq: number): Promise<WalWriter> {
    return new WalWriter(options, await createSegment(options.dir, seq), seq, MAGIC_BYTES);
  }

  /** Continues segment `seq`, which recovery checked holds `size` valid bytes. */
  static async resume(options: WalWriterOptions, seq: number, size: number): Promise<WalWriter> {
    const handle = await open(join(options.dir, segmentName(seq)), 'a');
    return new WalWriter(options, handle, seq, size);
  }

  /** Sequence number of the segment being appended to. */
  get seq(): number {
    return this.seqNumber;
  }

  /**
   * Writes one sealed frame (into the page cache; not yet durable). Synchronous on purpose: the copy takes
   * microseconds for typical groups, saves a thread-pool round trip per commit, and means the file holds only whole
   * frames whenever the event loop runs — which is what lets an fsync run while the next group is written.
   */
  write(frame: Buffer): void {
    let done = 0;
    while (done < frame.length) done += writeSync(this.handle.fd, frame, done, frame.length - done);
    this.size += frame.length;
    this.stats.records += 1;
    this.stats.bytes += frame.length;
    this.unsynced = true;
  }

  /**
   * Makes every frame written before the call durable. Returns whether it called fdatasync (not with fsync off or
   * nothing written since the last).
   */
  async sync(): Promise<boolean> {
    if (!this.options.fsync || !this.unsynced) return false;
    this.unsynced = false;
    await datasync(this.handle.fd);
    this.stats.fsyncs += 1;
    return true;
  }

  /** Writes a frame and syncs it. */
  async append(frame: Buffer): Promise<void> {
    this.write(frame);
    await this.sync();
  }

  /** Whether the segment reached its size limit; call {@link rotate} when nothing is being synced. */
  get full(): boolean {
    return this.size >= this.options.segmentBytes;
  }

  /**
   * Closes the current segment (durably) and starts the next one. After it resolves every record appended so far
   * lies in segments numbered below {@link seq}, which is what a snapshot taken now covers.
   */
  async rotate(): Promise<number> {
    await this.handle.datasync();
    await this.handle.close();
    this.unsynced = false;
    this.seqNumber += 1;
    this.handle = await createSegment(this.options.dir, this.seqNumber);
    this.size = MAGIC_BYTES;
    return this.seqNumber;
  }

  /** Makes everything appended durable and closes the file. */
  async close(): Promise<void> {
    await this.handle.datasync();
    await this.handle.close();
  }
}

// The callback form: FileHandle.datasync() costs an extra promise layer on the hottest path.
function datasync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())));
}

async function createSegment(dir: string, seq: number): Promise<FileHandle> {
  const handle = await open(join(dir, segmentName(seq)), 'wx');
  try {
    await writeFully(handle, WAL_MAGIC);
    await handle.datasync();
    await fsyncDir(dir);
    return handle;
  } catch (err) {
    await handle.close();
    throw err;
  }
}
