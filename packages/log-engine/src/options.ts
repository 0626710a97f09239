import type { KvLimits } from '@kverse/kv-core';
import type { Logger, Registry } from '@kverse/runtime';
import type { SnapshotTrigger } from './snapshot-scheduler.js';

/**
 * When a write is acknowledged:
 * - `group` (default): after the fdatasync that covers it; writes arriving during an fsync share the next one.
 * - `per-write`: after an fdatasync of its own (one at a time) — the classic, slow baseline.
 * - `none`: once handed to the OS, never fsynced — survives a process crash but not a power loss. Tests only.
 */
export type SyncMode = 'group' | 'per-write' | 'none';

export interface LogEngineOptions {
  /** Data directory, created if missing; apps default it to `./.kverse/data`. */
  readonly dir: string;
  /** @default 'group' */
  readonly sync?: SyncMode;
  /** When to snapshot the table and drop the log it covers. @default { mutations: 100_000, bytes: 64 MiB } */
  readonly snapshotEvery?: Partial<SnapshotTrigger>;
  /** Start a new log segment at this size. @default 64 MiB */
  readonly segmentBytes?: number;
  /** Key and value size limits. @default DEFAULT_LIMITS (1 KiB keys, 1 MiB values) */
  readonly limits?: KvLimits;
  /** @default a pino logger named `log-engine` at level `info` */
  readonly logger?: Logger;
  /** Registry for the `kverse_log_engine_*` metrics. @default none (not exported) */
  readonly metrics?: Registry;
}

/** Counters since open, for metrics and the benchmark. */
export interface LogEngineStats {
  /** fdatasync calls that acknowledged writes. */
  readonly fsyncs: number;
  /** WAL records (one per commit group) and their bytes. */
  readonly walRecords: number;
  readonly walBytes: number;
  /** Mutations that took effect. */
  readonly applied: number;
  /** Snapshots written. */
  readonly snapshots: number;
  /** Keys in the table, tombstones included. */
  readonly keys: number;
}
