import { createHash } from 'node:crypto';
import type { Command } from './wire.js';

/** What `PRINT` and `/state` show: the whole dictionary and a digest to compare replicas at a glance. */
export interface Snapshot {
  /** Entries sorted by key. */
  readonly entries: Readonly<Record<string, string>>;
  readonly size: number;
  /** Commands applied so far (SET, GET and PRINT alike): the seed's "local order" of the last one. */
  readonly applied: number;
  /** First 16 hex digits of SHA-256 over the sorted entries; equal digests mean equal dictionaries. */
  readonly digest: string;
}

/**
 * The full copy of the dictionary each node keeps. It applies commands in the order it is given them and knows
 * nothing of the network: the ordering layer above decides that order.
 */
export class Replica {
  private readonly data = new Map<string, string>();
  private applied = 0;

  /** Applies one command; returns its local order (1, 2, …), as the seed logs it. */
  apply(cmd: Command): number {
    if (cmd.op === 'SET') this.data.set(cmd.key, cmd.value);
    return ++this.applied;
  }

  /** Forgets everything, before the ordering layer replays the agreed sequence from its start. */
  clear(): void {
    this.data.clear();
    this.applied = 0;
  }

  get(key: string): string | undefined {
    return this.data.get(key);
  }

  snapshot(): Snapshot {
    const keys = [...this.data.keys()].sort();
    const entries: Record<string, string> = {};
    const hash = createHash('sha256');
    for (const key of keys) {
      const value = this.data.get(key)!;
      entries[key] = value;
      // Length-prefixed, so ("ab","c") and ("a","bc") hash differently.
      hash.update(`${Buffer.byteLength(key)}:${key}${Buffer.byteLength(value)}:${value}`);
    }
    return { entries, size: keys.length, applied: this.applied, digest: hash.digest('hex').slice(0, 16) };
  }
}
