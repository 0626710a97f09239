import { createRequire } from 'node:module';
import {
  compareKeys,
  isNewer,
  isPresent,
  KvError,
  type KvRecord,
  keepsCreatedAt,
  type ListOptions,
  type ListPage,
  type Mutation,
  type StoredState,
  type Version,
} from '@kverse/kv-core';
import type * as SortedBtree from 'sorted-btree';

// sorted-btree is CommonJS with `exports.default`; Node's ESM interop hands an `import` the whole exports object
// while bundlers unwrap it, so take the class through require to get the same thing everywhere.
const { default: BTree } = createRequire(import.meta.url)('sorted-btree') as typeof SortedBtree.default;
type BTree<K, V> = InstanceType<typeof BTree<K, V>>;

/**
 * What the table holds per key: a live value or a tombstone. Entries are immutable (replaced, never edited), which
 * is what lets a snapshot share the tree with later writes through {@link MemTable.freeze}.
 */
export interface TableEntry {
  /** The value, or undefined for a tombstone. */
  readonly value: string | undefined;
  readonly version: Version;
  readonly writer: string;
  /** Live: when the key was created (timestamp of the put that found it absent or deleted). Tombstone: 0. */
  readonly createdAt: number;
  /** Timestamp of the mutation that produced this entry (for a tombstone: when the delete was issued). */
  readonly updatedAt: number;
  /** Live entries with a TTL: when the key expires (ms since the epoch). */
  readonly expiresAt?: number | undefined;
}

/** An entry as the apply rules of `@kverse/kv-core` see it. */
export function stateOf(entry: TableEntry | undefined): StoredState | undefined {
  return entry === undefined
    ? undefined
    : { version: entry.version, writer: entry.writer, live: entry.value !== undefined, expiresAt: entry.expiresAt };
}

/** The entry `mutation` turns `current` into, once the apply rules decided it takes effect. */
export function entryAfter(mutation: Mutation, current: TableEntry | undefined): TableEntry {
  if (mutation.op === 'delete') {
    return {
      value: undefined,
      version: mutation.version,
      writer: mutation.writer,
      createdAt: 0,
      updatedAt: mutation.timestamp,
    };
  }
  return {
    value: mutation.value,
    version: mutation.version,
    writer: mutation.writer,
    createdAt:
      current !== undefined && keepsCreatedAt(mutation, stateOf(current)) ? current.createdAt : mutation.timestamp,
    updatedAt: mutation.timestamp,
    expiresAt: mutation.expiresAt,
  };
}

/** Keys with a TTL, ordered by expiry time then key. */
type ExpiryKey = readonly [number, string];
const compareExpiry = (a: ExpiryKey, b: ExpiryKey): number => a[0] - b[0] || compareKeys(a[1], b[1]);

/** Read-only view of a table: what a snapshot writer gets, so it cannot change what it saves. */
export interface TableView {
  readonly size: number;
  entries(): IterableIterator<[string, TableEntry]>;
}

/**
 * The in-memory table: every key's newest entry (live or tombstone), sorted in UTF-8 byte order for prefix
 * listing, and in a hash map for lookups by key (a B+ tree lookup compares the key with a dozen others, each
 * comparison a loop over code points: a third of the table's share of a Get). Holds only durable state; the commit
 * path installs a group's entries after its fsync.
 */
export class MemTable implements TableView {
  private readonly tree: BTree<string, TableEntry> = new BTree<string, TableEntry>(undefined, compareKeys);
  // The same entries as `tree`, by key.
  private readonly byKey = new Map<string, TableEntry>();
  // Tombstone keys, so purging does not scan live keys.
  private readonly tombstones = new Set<string>();
  // Live keys with a TTL, for the expiry sweep.
  private readonly expiring: BTree<ExpiryKey, undefined> = new BTree<ExpiryKey, undefined>(undefined, compareExpiry);

  get size(): number {
    return this.tree.size;
  }

  get tombstoneCount(): number {
    return this.tombstones.size;
  }

  /** The entry of `key`, tombstone included. */
  entry(key: string): TableEntry | undefined {
    return this.byKey.get(key);
  }

  /** The record of `key` if it is present (live and not expired) at `now`. */
  get(key: string, now: number): KvRecord | undefined {
    const e = this.byKey.get(key);
    return e !== undefined && isPresent(stateOf(e), now) ? toRecord(key, e) : undefined;
  }

  /** Sets `key`'s entry (which must come from {@link entryAfter}). */
  install(key: string, entry: TableEntry): void {
    const before = this.byKey.get(key);
    if (before?.expiresAt !== undefined) this.expiring.delete([before.expiresAt, key]);
    this.tree.set(key, entry);
    this.byKey.set(key, entry);
    if (entry.value === undefined) this.tombstones.add(key);
    else this.tombstones.delete(key);
    if (entry.expiresAt !== undefined) this.expiring.set([entry.expiresAt, key], undefined);
  }

  /** Applies a mutation if its stamp wins; returns whether it did. Used by recovery, where the log holds only writes
   * that took effect (their conditions were decided before logging), so only the stamp decides. */
  applyMutation(mutation: Mutation): boolean {
    const current = this.byKey.get(mutation.key);
    if (!isNewer(mutation, current)) return false;
    this.install(mutation.key, entryAfter(mutation, current));
    return true;
  }

  /** Live keys expired at `now`, oldest expiry first, at most `limit`. */
  expired(now: number, limit: number): KvRecord[] {
    const out: KvRecord[] = [];
    for (const [[at, key]] of this.expiring.entries()) {
      if (at > now || out.length >= limit) break;
      const e = this.byKey.get(key);
      if (e !== undefined && e.value !== undefined) out.push(toRecord(key, e));
    }
    return out;
  }

  /** Keys of tombstones of deletes issued before `before` (ms since epoch). */
  purgeable(before: number): string[] {
    const keys: string[] = [];
    for (const key of this.tombstones) {
      const e = this.byKey.get(key);
      if (e !== undefined && e.updatedAt < before) keys.push(key);
    }
    return keys;
  }

  /** Removes the tombstones {@link purgeable} names; returns how many went. */
  purge(before: number): number {
    const keys = this.purgeable(before);
    for (const key of keys) {
      this.tree.delete(key);
      this.byKey.delete(key);
      this.tombstones.delete(key);
    }
    return keys.length;
  }

  /** A page of records present at `now`, see {@link ListOptions}. */
  list(options: ListOptions, now: number): ListPage {
    const { prefix = '', after, limit } = options;
    if (!Number.isSafeInteger(limit) || limit < 1) {
      throw new KvError('KV_ERR_INVALID_ARGUMENT', `list limit must be an integer of at least 1, got ${limit}`);
    }
    // Keys with a given prefix are one contiguous run in byte order, starting at the prefix itself.
    const resume = after !== undefined && compareKeys(after, prefix) >= 0;
    const records: KvRecord[] = [];
    for (const [key, e] of this.tree.entries(resume ? after : prefix)) {
      if (resume && key === after) continue;
      if (!key.startsWith(prefix)) break;
      if (e.value === undefined || (e.expiresAt !== undefined && e.expiresAt <= now)) continue;
      if (records.length === limit) return { records, nextAfter: records[limit - 1]?.key };
      records.push(toRecord(key, e));
    }
    return { records };
  }

  /** Every entry in key order, tombstones included. */
  entries(): IterableIterator<[string, TableEntry]> {
    return this.tree.entries();
  }

  /**
   * A view of the table as it is now, unaffected by later writes: the B+ tree's copy-on-write clone costs O(1)
   * here and copies nodes only as later writes touch them.
   */
  freeze(): TableView {
    const copy = this.tree.clone();
    return { size: copy.size, entries: () => copy.entries() };
  }
}

function toRecord(key: string, e: TableEntry): KvRecord {
  return {
    key,
    value: e.value ?? '',
    version: e.version,
    writer: e.writer,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
    ...(e.expiresAt === undefined ? {} : { expiresAt: e.expiresAt }),
  };
}
