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
  /** When the key expires (milliseconds since the epoch); absent when it never does. See {@link PutMutation.expiresAt}. */
  readonly expiresAt?: number;
}

/**
 * A write as it travels from a front door to an engine: a put of a value or a delete (tombstone), stamped with
 * its version at the front door. Mutations are idempotent: applying one twice, or applying an older one after a
 * newer one, changes nothing.
 */
export type Mutation = PutMutation | DeleteMutation;

/**
 * A condition on a key's state, checked by the engine at the moment it applies the write (not at the front door),
 * against what is stored then. An expired key counts as absent.
 * - `{ version }`: the key exists and its current version is exactly this (HTTP `If-Match: <version>`).
 * - `{ absent: true }`: the key does not exist (HTTP `If-None-Match: *`).
 * - `{ expiredVersion }`: the key is stored at exactly this version and has expired — the condition of the expiry
 *   sweep's deletes, so a key rewritten meanwhile is never removed. Not offered to clients.
 */
export type Precondition =
  | { readonly version: Version }
  | { readonly absent: true }
  | { readonly expiredVersion: Version };

interface MutationBase extends Stamp {
  readonly key: string;
  /** When the front door accepted the write (milliseconds since the epoch). */
  readonly timestamp: number;
  /** Apply only if this holds when the engine applies the write; otherwise the outcome is `failed`. */
  readonly condition?: Precondition;
}

export interface PutMutation extends MutationBase {
  readonly op: 'put';
  readonly value: string;
  /**
   * When the key expires (ms since the epoch). From then on reads, lists and conditions treat the key as absent,
   * and an expiry sweep deletes it with a delete conditioned on this write's version (so watchers see a delete and a
   * newer write is never removed). Absent: the key never expires.
   */
  readonly expiresAt?: number;
}

export interface DeleteMutation extends MutationBase {
  readonly op: 'delete';
}

/**
 * An atomic multi-key write: when every compare holds at apply time, all its mutations are applied at once (each
 * still subject to "newest stamp wins"); otherwise none is and the outcome is `failed`. Its mutations carry the
 * transaction's own stamp and timestamp, touch distinct keys and have no conditions of their own. Durable and
 * visible all together: a reader sees all of them or none.
 */
export interface Transaction extends Stamp {
  readonly op: 'txn';
  readonly timestamp: number;
  readonly compares: readonly KeyCondition[];
  readonly mutations: readonly Mutation[];
}

export interface KeyCondition {
  readonly key: string;
  readonly condition: Precondition;
}

/** What an engine applies: single mutations and transactions, in one batch. */
export type Write = Mutation | Transaction;

/**
 * What became of a write:
 * - `applied`: it took effect (for a transaction: at least one of its mutations did, and all compares held).
 * - `superseded`: nothing changed because the key already holds this write or a newer one (a redelivery, or a write
 *   that arrived after a newer one). For plain writes this is success under "newest wins".
 * - `failed`: its precondition (or a transaction compare) did not hold; nothing changed.
 */
export type ApplyOutcome = 'applied' | 'superseded' | 'failed';

/** A write's outcome as the write path reports it back to the front door that issued it (matched by stamp). */
export interface Settlement extends Stamp {
  readonly outcome: ApplyOutcome;
}

/** Largest number of mutations (and of compares) in one transaction. */
export const MAX_TXN_OPS = 128;

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

/**
 * Listener for mutations an engine applied, in the order they became durable — and, at least once more, those of a
 * redelivered write that are still in effect (see {@link KvEngine.onApplied}).
 */
export type ChangeListener = (applied: readonly Mutation[]) => void;

/** Read side of an engine. Kept separate so code that only reads cannot write. */
export interface KvReader {
  get(key: string): Promise<KvRecord | undefined>;
  /**
   * Reads several keys from one consistent view (a transaction is either wholly visible or not at all); the result
   * is in the order of `keys`, undefined for a missing key.
   */
  getMany(keys: readonly string[]): Promise<Array<KvRecord | undefined>>;
  list(options: ListOptions): Promise<ListPage>;
}

/**
 * A storage engine: the log engine (embedded) and the SQL engine (PostgreSQL/CockroachDB) implement it, and both
 * pass the conformance suite in `@kverse/kv-core/conformance`.
 */
export interface KvEngine extends KvReader {
  /**
   * Applies a batch, in order. A mutation takes effect only if its condition (if any) holds and its stamp is newer
   * than the key's stored stamp (live or tombstone), so order of application and redelivery do not matter for plain
   * writes. When the promise resolves every applied mutation is durable. Returns each write's outcome.
   */
  apply(batch: readonly Write[]): Promise<ApplyOutcome[]>;
  /**
   * Live keys whose expiry time is at or before `now`, oldest expiry first, at most `limit` (for the expiry sweep,
   * which deletes each with a delete conditioned on its version).
   */
  listExpired(now: number, limit: number): Promise<KvRecord[]>;
  /**
   * Registers a listener for applied mutations; returns the function that removes it. A redelivered write (its stamp
   * already stored) changes nothing and is `superseded`, but those of its mutations whose key still holds exactly
   * their stamp are delivered again: what follows a write's commit (cache update, change event) may have been cut
   * short by a crash after it, and the redelivery is what brings it about. Listeners must tolerate repeats.
   */
  onApplied(listener: ChangeListener): () => void;
  /** Removes tombstones of deletes issued before `before` (ms since epoch); returns how many went. */
  purgeTombstones(before: number): Promise<number>;
  /** Flushes and releases resources. Further calls fail. */
  close(): Promise<void>;
}
