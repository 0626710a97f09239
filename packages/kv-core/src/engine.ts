import type { Stamp, Version } from './hlc.js';

/** A live key as stored. Deleted keys are never returned by reads (they are tombstones inside the engine). */
export interface KvRecord {
  readonly key: string;
  readonly value: string;
  /** The version of the write that produced this value. */
  readonly version: Version;
  /** Id of the writer that minted `version` (tie-breaker, see `compareStamps`). */
  readonly writer: string;
  /** When the key was first created (milliseconds since the epoch) — reset by a delete. */
  readonly createdAt: number;
  /** When the write that produced this value was issued (milliseconds since the epoch). */
  readonly updatedAt: number;
}

/**
 * A write as it travels from a front door to an engine: a put of a value or a delete (tombstone), stamped with
 * its version at the front door. Mutations are idempotent: applying one twice, or applying an older one after a
 * newer one, changes nothing.
 */
export type Mutation = PutMutation | DeleteMutation;

interface MutationBase extends Stamp {
  readonly key: string;
  /** When the front door accepted the write (milliseconds since the epoch). */
  readonly timestamp: number;
}

export interface PutMutation extends MutationBase {
  readonly op: 'put';
  readonly value: string;
}

export interface DeleteMutation extends MutationBase {
  readonly op: 'delete';
}

export interface ListOptions {
  /** Only keys starting with this prefix. @default '' (all keys) */
  readonly prefix?: string;
  /** Only keys strictly after this key (in UTF-8 byte order): the resume point of a previous page. */
  readonly after?: string;
  /** Page size, at least 1. */
  readonly limit: number;
}

export interface ListPage {
  /** Live records in ascending key order (UTF-8 byte order). */
  readonly records: readonly KvRecord[];
  /** The last key of this page when more may follow; undefined on the last page. */
  readonly nextAfter?: string;
}

/** Listener for mutations an engine applied, in the order they became durable. */
export type ChangeListener = (applied: readonly Mutation[]) => void;

/** Read side of an engine. Kept separate so code that only reads cannot write. */
export interface KvReader {
  get(key: string): Promise<KvRecord | undefined>;
  list(options: ListOptions): Promise<ListPage>;
}

/**
 * A storage engine: the log engine (embedded) and the SQL engine (PostgreSQL/CockroachDB) implement it, and both
 * pass the conformance suite in `@kverse/kv-core/conformance`.
 */
export interface KvEngine extends KvReader {
  /**
   * Applies a batch. Each mutation takes effect only if its stamp is newer than the key's stored stamp (live or
   * tombstone), so order of application and redelivery do not matter. When the promise resolves every applied
   * mutation is durable. Returns, per mutation, whether it took effect.
   */
  apply(batch: readonly Mutation[]): Promise<boolean[]>;
  /** Registers a listener for applied mutations; returns the function that removes it. */
  onApplied(listener: ChangeListener): () => void;
  /** Removes tombstones of deletes issued before `before` (ms since epoch); returns how many went. */
  purgeTombstones(before: number): Promise<number>;
  /** Flushes and releases resources. Further calls fail. */
  close(): Promise<void>;
}
