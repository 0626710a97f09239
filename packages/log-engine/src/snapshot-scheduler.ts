import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@kverse/runtime';
import { fsyncDir } from './fs-util.js';
import type { MemTable } from './memtable.js';
import { writeSnapshot } from './snapshot.js';
import { listDataDir, segmentName, snapshotName } from './wal-segments.js';
import type { WalWriter } from './wal-writer.js';

/** Take a snapshot once this much has been logged since the last one (whichever comes first). */
export interface SnapshotTrigger {
  /** Mutations applied. `Infinity` disables this trigger. */
  readonly mutations: number;
  /** Bytes appended to the log. `Infinity` disables this trigger. */
  readonly bytes: number;
}

export interface SnapshotSchedulerOptions {
  readonly dir: string;
  readonly trigger: SnapshotTrigger;
  readonly logger: Logger;
  /** What the log already held past the last snapshot at open (replayed by recovery). */
  readonly since: { readonly mutations: number; readonly bytes: number };
}

/**
 * Decides when to snapshot and runs one at a time in the background. Starting one (from the commit pipeline, with
 * nothing unsynced) rotates the log and freezes the table in O(1), so the snapshot holds exactly the segments below the
 * new one; writing it does not hold up commits. Once it is durable those segments are deleted. A failed snapshot
 * is logged and changes nothing: the log still holds every write, and the next trigger tries again.
 */
export class SnapshotScheduler {
  private mutations: number;
  private bytes: number;
  private running: Promise<void> | undefined;
  private count = 0;

  constructor(private readonly options: SnapshotSchedulerOptions) {
    this.mutations = options.since.mutations;
    this.bytes = options.since.bytes;
  }

  /** Snapshots written since open. */
  get written(): number {
    return this.count;
  }

  /** Counts what a commit appended. */
  record(mutations: number, bytes: number): void {
    this.mutations += mutations;
    this.bytes += bytes;
  }

  /** Whether the trigger is reached and no snapshot is running. */
  due(): boolean {
    const { trigger } = this.options;
    return this.running === undefined && (this.mutations >= trigger.mutations || this.bytes >= trigger.bytes);
  }

  /** Starts a snapshot unless one is running (then that one is enough). Call only with nothing unsynced in the log. */
  async start(wal: WalWriter, table: MemTable): Promise<undefined> {
    if (this.running) return undefined;
    const seq = await wal.rotate();
    const view = table.freeze();
    this.mutations = 0;
    this.bytes = 0;
    this.running = this.write(seq, view).finally(() => {
      this.running = undefined;
    });
    return undefined;
  }

  /** Resolves when no snapshot is being written. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Like {@link idle}, then rejects with the error of the last snapshot if it failed. */
  async settled(): Promise<void> {
    await this.idle();
    if (this.lastError !== undefined) throw this.lastError;
  }

  /** Why the last snapshot failed; undefined once one is written. */
  private lastError: unknown;

  private async write(seq: number, view: ReturnType<MemTable['freeze']>): Promise<void> {
    const { dir, logger } = this.options;
    const started = performance.now();
    let bytes: number;
    try {
      bytes = await writeSnapshot(dir, seq, view);
      this.lastError = undefined;
      this.count += 1;
    } catch (err) {
      this.lastError = err;
      logger.error({ err, seq }, 'snapshot failed; the write-ahead log still holds every write');
      return;
    }
    // The snapshot is durable: files it covers that cannot be removed now go with a later one.
    const removed = await dropCovered(dir, seq).catch((err: unknown) => {
      logger.warn({ err, seq }, 'could not remove the files a snapshot covers; a later snapshot removes them');
      return 0;
    });
    const ms = Math.round(performance.now() - started);
    logger.info({ seq, keys: view.size, bytes, removedFiles: removed, ms }, 'wrote snapshot');
  }
}

/** Deletes the segments and older snapshots a durable snapshot `seq` covers; returns how many files went. */
async function dropCovered(dir: string, seq: number): Promise<number> {
  const listing = await listDataDir(dir);
  const names = [
    ...listing.segments.filter((s) => s < seq).map(segmentName),
    ...listing.snapshots.filter((s) => s < seq).map(snapshotName),
  ];
  for (const name of names) await unlink(join(dir, name));
  if (names.length > 0) await fsyncDir(dir);
  return names.length;
}
