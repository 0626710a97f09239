import { describeEngineConformance } from '../src/conformance.js';
import {
  type ChangeListener,
  compareKeys,
  isNewer,
  type KvEngine,
  KvError,
  type KvRecord,
  type ListOptions,
  type ListPage,
  type Mutation,
} from '../src/index.js';

type Stored = { readonly value: string | undefined } & Omit<KvRecord, 'key' | 'value'>;

/**
 * The smallest engine the contract allows: a Map that outlives close/reopen (standing in for storage), sorted on
 * every list. Running the suite on it checks the suite itself asks only what KvEngine promises, so the SQL engine
 * can pass it too.
 */
class MapEngine implements KvEngine {
  private closed = false;
  private readonly listeners = new Set<ChangeListener>();

  constructor(private readonly storage: Map<string, Stored>) {}

  async get(key: string): Promise<KvRecord | undefined> {
    this.check();
    const e = this.storage.get(key);
    return e?.value === undefined ? undefined : { ...e, key, value: e.value };
  }

  async list({ prefix = '', after, limit }: ListOptions): Promise<ListPage> {
    this.check();
    if (!(limit >= 1)) throw new KvError('KV_ERR_INVALID_ARGUMENT', 'limit must be at least 1');
    const keys = [...this.storage.keys()]
      .filter((k) => k.startsWith(prefix) && (after === undefined || compareKeys(k, after) > 0))
      .filter((k) => this.storage.get(k)?.value !== undefined)
      .sort(compareKeys);
    const records = await Promise.all(keys.slice(0, limit).map(async (k) => (await this.get(k)) as KvRecord));
    return keys.length > limit ? { records, nextAfter: records.at(-1)?.key } : { records };
  }

  async apply(batch: readonly Mutation[]): Promise<boolean[]> {
    this.check();
    const applied: Mutation[] = [];
    const result = batch.map((m) => {
      const cur = this.storage.get(m.key);
      if (!isNewer(m, cur)) return false;
      const live = cur?.value !== undefined;
      this.storage.set(m.key, {
        value: m.op === 'put' ? m.value : undefined,
        version: m.version,
        writer: m.writer,
        createdAt: m.op === 'put' ? (live ? (cur?.createdAt ?? 0) : m.timestamp) : 0,
        updatedAt: m.timestamp,
      });
      applied.push(m);
      return true;
    });
    if (applied.length > 0) for (const l of this.listeners) l(applied);
    return result;
  }

  onApplied(listener: ChangeListener): () => void {
    const entry: ChangeListener = (a) => listener(a);
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }

  async purgeTombstones(before: number): Promise<number> {
    this.check();
    let n = 0;
    for (const [k, e] of this.storage) {
      if (e.value === undefined && e.updatedAt < before && this.storage.delete(k)) n += 1;
    }
    return n;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private check(): void {
    if (this.closed) throw new KvError('KV_ERR_SHUTTING_DOWN', 'closed');
  }
}

describeEngineConformance('reference map engine', () => {
  const storage = new Map<string, Stored>();
  return { open: async () => new MapEngine(storage), cleanup: async () => storage.clear() };
});
