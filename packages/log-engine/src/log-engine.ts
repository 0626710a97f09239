import { mkdir } from 'node:fs/promises';
import {
  type ApplyOutcome,
  type ChangeListener,
  DEFAULT_LIMITS,
  decideWrite,
  type KvEngine,
  KvError,
  type KvLimits,
  type KvRecord,
  type ListOptions,
  type ListPage,
  type Mutation,
  type Write,
} from '@kverse/kv-core';
import { createLogger, type Logger } from '@kverse/runtime';
import { DirLock } from './dir-lock.js';
import { GroupCommit } from './group-commit.js';
import { entryAfter, type MemTable, stateOf, type TableEntry } from './memtable.js';
import { LogEngineMetrics } from './metrics.js';
import { validateForLog } from './mutation-check.js';
import type { LogEngineOptions, LogEngineStats, SyncMode } from './options.js';
import { recover } from './recovery.js';
import { SnapshotScheduler } from './snapshot-scheduler.js';
import { MAX_RECORD_BYTES } from './wal-format.js';
import { encodeMutations, encodePurge } from './wal-records.js';
import type { WalWriter } from './wal-writer.js';

const MIB = 1024 * 1024;
// Caps the bytes one commit writes, so a burst of large values is split over a few fsyncs instead of one huge
// record; far below the reader's MAX_RECORD_BYTES.
const MAX_GROUP_BYTES = 16 * MIB;
// A batch's estimated size, at three bytes a character, may not pass this quarter of the reader's MAX_RECORD_BYTES;
// a group is at most MAX_GROUP_BYTES or one such batch, so no record can pass what replay reads back.
const MAX_BATCH_RECORD_BYTES = MAX_RECORD_BYTES / 4;

type Request =
  | { readonly kind: 'apply'; readonly batch: readonly Write[]; readonly bytes: number }
  | { readonly kind: 'purge'; readonly before: number }
  | { readonly kind: 'snapshot' };
type Outcome = ApplyOutcome[] | number | undefined;

/** A group written to the log, waiting for its fsync before it is installed. */
interface Prepared {
  /** Each key's final entry after the group. */
  readonly entries: Map<string, TableEntry>;
  /** Per request: the outcome of each of its writes, and the mutations that took effect (for onApplied). */
  readonly results: ApplyOutcome[][];
  readonly applied: Mutation[][];
  readonly count: number;
}

/**
 * Opens (and recovers) the log engine on `options.dir`. Throws `KV_ERR_DATA_DIR_LOCKED` when another engine holds
 * the directory and `KV_ERR_DATA_CORRUPTED` when the data is damaged anywhere but a torn tail.
 */
export async function openLogEngine(options: LogEngineOptions): Promise<LogEngine> {
  const logger = options.logger ?? createLogger({ name: 'log-engine', level: 'info' });
  await mkdir(options.dir, { recursive: true });
  const lock = await DirLock.acquire(options.dir, logger);
  try {
    const sync = options.sync ?? 'group';
    const recovered = await recover(
      { dir: options.dir, fsync: sync !== 'none', segmentBytes: options.segmentBytes ?? 64 * MIB },
      logger,
    );
    const snapshots = new SnapshotScheduler({
      dir: options.dir,
      trigger: { mutations: 100_000, bytes: 64 * MIB, ...options.snapshotEvery },
      logger,
      since: recovered.replayed,
    });
    return new LogEngine(options, sync, logger, lock, recovered.table, recovered.writer, snapshots);
  } catch (err) {
    await lock.release();
    throw err;
  }
}

/**
 * The embedded engine: an in-memory table sorted in UTF-8 byte order, made durable by a write-ahead log with group
 * commit, periodic snapshots and crash recovery. Reads see only durable writes: a group is installed in the table
 * after its fsync. See README.md for the layers and the on-disk format.
 */
export class LogEngine implements KvEngine {
  private readonly listeners = new Set<ChangeListener>();
  private readonly commits: GroupCommit<Request, Outcome, Prepared>;
  // Entries of groups written but not yet fsynced: later groups decide against them, reads do not see them.
  private readonly unsynced = new Map<string, TableEntry>();
  private readonly limits: KvLimits;
  private applied = 0;
  // Mutations written since the last fsync started, for the mutations-per-fsync histogram.
  private unsyncedCount = 0;
  private readonly metrics: LogEngineMetrics | undefined;
  private closing: Promise<void> | undefined;
  private failure: KvError | undefined;

  /** @internal use {@link openLogEngine} */
  constructor(
    readonly options: LogEngineOptions,
    readonly sync: SyncMode,
    private readonly logger: Logger,
    private readonly lock: DirLock,
    private readonly table: MemTable,
    private readonly wal: WalWriter,
    private readonly snapshots: SnapshotScheduler,
  ) {
    this.limits = options.limits ?? DEFAULT_LIMITS;
    this.metrics =
      options.metrics &&
      new LogEngineMetrics(options.metrics, {
        keys: () => table.size,
        tombstones: () => table.tombstoneCount,
        snapshots: () => snapshots.written,
      });
    this.commits = new GroupCommit<Request, Outcome, Prepared>({
      maxRequests: sync === 'per-write' ? 1 : Number.POSITIVE_INFINITY,
      maxGroupBytes: MAX_GROUP_BYTES,
      overlap: sync !== 'per-write',
      sizeOf: (req) => (req.kind === 'apply' ? req.bytes : 0),
      isBarrier: (req) => req.kind !== 'apply',
      prepare: (group) => this.prepare(group as ReadonlyArray<Request & { kind: 'apply' }>),
      sync: () => this.syncLog(),
      finish: (prepared) => this.finish(prepared),
      runBarrier: (req) => this.runBarrier(req),
      wantsDrain: () => this.wal.full || this.snapshots.due(),
      drained: () => this.maintain(),
      onFailure: (err) => this.stop(err),
    });
  }

  async get(key: string): Promise<KvRecord | undefined> {
    this.assertOpen();
    return this.table.get(key, Date.now());
  }

  /** One synchronous pass over the table, which installs a whole commit group at once: a consistent view. */
  async getMany(keys: readonly string[]): Promise<Array<KvRecord | undefined>> {
    this.assertOpen();
    const now = Date.now();
    return keys.map((key) => this.table.get(key, now));
  }

  async list(options: ListOptions): Promise<ListPage> {
    this.assertOpen();
    return this.table.list(options, Date.now());
  }

  async listExpired(now: number, limit: number): Promise<KvRecord[]> {
    this.assertOpen();
    return this.table.expired(now, limit);
  }

  async apply(batch: readonly Write[]): Promise<ApplyOutcome[]> {
    this.assertWritable();
    let bytes = 0;
    for (const w of batch) bytes += validateForLog(w, this.limits);
    if (batch.length === 0) return [];
    // One batch is written as one record (with its group's others): refuse one that, at three UTF-8 bytes a
    // character, could pass the largest record replay reads back, rather than acknowledge what recovery would lose.
    if (bytes * 3 > MAX_BATCH_RECORD_BYTES) {
      throw new KvError(
        'KV_ERR_INVALID_ARGUMENT',
        `a batch of ${batch.length} writes (${bytes} characters) is too large for one log record; apply it in parts`,
      );
    }
    return (await this.commits.submit({ kind: 'apply', batch, bytes })) as ApplyOutcome[];
  }

  onApplied(listener: ChangeListener): () => void {
    // Wrapped so that registering one function twice yields two independent registrations.
    const entry: ChangeListener = (applied) => listener(applied);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  async purgeTombstones(before: number): Promise<number> {
    this.assertWritable();
    if (!Number.isFinite(before)) throw new KvError('KV_ERR_INVALID_ARGUMENT', 'purge time must be a finite number');
    return (await this.commits.submit({ kind: 'purge', before })) as number;
  }

  /** Takes a snapshot now (in addition to the periodic ones); resolves when it is durable. */
  async snapshot(): Promise<void> {
    this.assertWritable();
    await this.commits.submit({ kind: 'snapshot' });
    await this.snapshots.settled();
  }

  stats(): LogEngineStats {
    const wal = this.wal.stats;
    return {
      fsyncs: wal.fsyncs,
      walRecords: wal.records,
      walBytes: wal.bytes,
      applied: this.applied,
      snapshots: this.snapshots.written,
      keys: this.table.size,
    };
  }

  /** Waits for pending writes and a running snapshot, then closes the log and releases the directory. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    await this.commits.idle();
    await this.snapshots.idle();
    try {
      await this.wal.close();
    } finally {
      await this.lock.release();
    }
    this.logger.debug({ dir: this.options.dir }, 'log engine closed');
  }

  private assertOpen(): void {
    if (this.closing) throw new KvError('KV_ERR_SHUTTING_DOWN', 'the log engine is closed');
  }

  private assertWritable(): void {
    this.assertOpen();
    if (this.failure) throw this.failure;
  }

  /**
   * Decides a group against the table and the unsynced groups before it, and writes what took effect as ONE log
   * record, so a transaction is replayed wholly or (torn tail) not at all.
   */
  private prepare(group: ReadonlyArray<{ readonly batch: readonly Write[] }>): Prepared {
    const entries = new Map<string, TableEntry>();
    const current = (key: string): TableEntry | undefined =>
      entries.get(key) ?? this.unsynced.get(key) ?? this.table.entry(key);
    const now = Date.now();
    const applied: Mutation[][] = [];
    const taken: Mutation[] = [];
    const results = group.map(({ batch }) => {
      // What took effect (logged), and what listeners hear: that, plus what a redelivery finds in effect.
      const mine: Mutation[] = [];
      const heard: Mutation[] = [];
      const outcomes = batch.map((w): ApplyOutcome => {
        const { outcome, effective, announced } = decideWrite(w, (key) => stateOf(current(key)), now);
        for (const m of effective) {
          entries.set(m.key, entryAfter(m, current(m.key)));
          mine.push(m);
        }
        heard.push(...announced);
        return outcome;
      });
      taken.push(...mine);
      applied.push(heard);
      return outcomes;
    });
    if (taken.length > 0) {
      const frame = encodeMutations(taken);
      this.wal.write(frame);
      this.snapshots.record(taken.length, frame.length);
      this.metrics?.written(taken.length, frame.length);
      this.unsyncedCount += taken.length;
      for (const [key, entry] of entries) this.unsynced.set(key, entry);
    }
    return { entries, results, applied, count: taken.length };
  }

  private async syncLog(): Promise<void> {
    const covered = this.unsyncedCount;
    this.unsyncedCount = 0;
    const started = performance.now();
    if (await this.wal.sync()) this.metrics?.synced(covered, (performance.now() - started) / 1000);
  }

  /** Installs a group once durable and tells the listeners. */
  private finish(prepared: Prepared): ApplyOutcome[][] {
    for (const [key, entry] of prepared.entries) {
      this.table.install(key, entry);
      // A later unsynced group may have superseded this entry; keep that one.
      if (this.unsynced.get(key) === entry) this.unsynced.delete(key);
    }
    this.applied += prepared.count;
    for (const mine of prepared.applied) if (mine.length > 0) this.notify(mine);
    return prepared.results;
  }

  /** Runs a purge or an explicit snapshot, with nothing unsynced. */
  private async runBarrier(req: Request): Promise<Outcome> {
    if (req.kind === 'snapshot') {
      // One already being written may predate the latest writes: let it finish, then take a fresh one.
      await this.snapshots.idle();
      return this.snapshots.start(this.wal, this.table);
    }
    if (req.kind !== 'purge') throw new Error(`not a barrier: ${req.kind}`);
    if (this.table.purgeable(req.before).length === 0) return 0;
    const frame = encodePurge(req.before);
    await this.wal.append(frame);
    this.snapshots.record(0, frame.length);
    const purged = this.table.purge(req.before);
    this.logger.info({ before: req.before, purged }, 'purged tombstones');
    return purged;
  }

  /** Rotates a full segment or starts a due snapshot (which rotates too), with nothing unsynced. */
  private async maintain(): Promise<void> {
    if (this.snapshots.due()) await this.snapshots.start(this.wal, this.table);
    else if (this.wal.full) await this.wal.rotate();
  }

  /**
   * After a failed write or fsync the state of the file is unknown (and Linux may have dropped the dirty pages):
   * appending more could acknowledge writes that recovery cannot replay. Stop writing; reopening recovers.
   */
  private stop(err: unknown): KvError {
    this.failure = new KvError('KV_ERR_UNAVAILABLE', 'the log engine stopped after a write-ahead log failure', {
      cause: err,
    });
    this.logger.error({ err, dir: this.options.dir }, 'write-ahead log failure; refusing further writes');
    return this.failure;
  }

  private notify(applied: readonly Mutation[]): void {
    for (const listener of this.listeners) {
      try {
        listener(applied);
      } catch (err) {
        this.logger.error({ err }, 'onApplied listener threw; the write itself is durable');
      }
    }
  }
}
