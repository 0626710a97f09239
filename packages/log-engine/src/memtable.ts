import { createRequire } from 'node:module';
import {
  compareKeys,
  isNewer,
  KvError,
  type KvRecord,
  type ListOptions,
  type ListPage,
  type Mutation,
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
}

/**
 * The entry `mutation` turns `current` into, or undefined when it does not take effect because `current` (live or
 * tombstone) has an equal or newer stamp. This is the one place the "newest stamp wins" rule lives; commit and
 * replay both use it, so replaying a record twice changes nothing.
 */
export function nextEntry(mutation: Mutation, current: TableEntry | undefined): TableEntry | undefined {
  if (!isNewer(mutation, current)) return undefined;
  if (mutation.op === 'delete') {
    return {
      value: undefined,
      version: mutation.version,
      writer: mutation.writer,
      createdAt: 0,
      updatedAt: mutation.timestamp,
    };
  }
  const live = current !== undefined && current.value !== undefined;
  return {
    value: mutation.value,
    version: mutation.version,
    writer: mutation.writer,
    createdAt: live ? current.createdAt : mutation.timestamp,
    updatedAt: mutation.timestamp,
  };
}

/** Read-only view of a table: what a snapshot writer gets, so it cannot change what it saves. */
export interface TableView {
  readonly size: number;
  entries(): IterableIterator<[string, TableEntry]>;
}

/**
 * The in-memory table: every key's newest entry (live or tombstone), sorted in UTF-8 byte order for prefix
 * listing. Holds only durable state; the commit path installs a group's entries after its fsync.
 */
export class MemTable implements TableView {
  private readonly tree: BTree<string, TableEntry> = new BTree<string, TableEntry>(undefined, compareKeys);
  // Tombstone keys, so purging does not scan live keys.
  private readonly tombstones = new Set<string>();

  get size(): number {
    return this.tree.size;
  }

  get tombstoneCount(): number {
    return this.tombstones.size;
  }

  /** The entry of `key`, tombstone included. */
  entry(key: string): TableEntry | undefined {
    return this.tree.get(key);
  }

  /** The live record of `key`. */
  get(key: string): KvRecord | undefined {
    const e = this.tree.get(key);
    return e?.value === undefined ? undefined : toRecord(key, e);
  }

  /** Sets `key`'s entry (which must come from {@link nextEntry}). */
  install(key: string, entry: TableEntry): void {
    this.tree.set(key, entry);
    if (entry.value === undefined) this.tombstones.add(key);
    else this.tombstones.delete(key);
  }

  /** Applies a mutation if its stamp wins; returns whether it did. Used by recovery. */
  applyMutation(mutation: Mutation): boolean {
    const next = nextEntry(mutation, this.tree.get(mutation.key));
    if (next === undefined) return false;
    this.install(mutation.key, next);
    return true;
  }

  /** Keys of tombstones of deletes issued before `before` (ms since epoch). */
  purgeable(before: number): string[] {
    const keys: string[] = [];
    for (const key of this.tombstones) {
      const e = this.tree.get(key);
      if (e !== undefined && e.updatedAt < before) keys.push(key);
    }
    return keys;
  }

  /** Removes the tombstones {@link purgeable} names; returns how many went. */
  purge(before: number): number {
    const keys = this.purgeable(before);
    for (const key of keys) {
      this.tree.delete(key);
      this.tombstones.delete(key);
    }
    return keys.length;
  }

  /** A page of live records, see {@link ListOptions}. */
  list(options: ListOptions): ListPage {
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
      if (e.value === undefined) continue;
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
  };
}
