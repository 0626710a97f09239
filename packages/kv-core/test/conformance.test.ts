import { describeEngineConformance } from '../src/conformance.js';
import {
  type ApplyOutcome,
  type ChangeListener,
  compareKeys,
  DEFAULT_LIMITS,
  decideWrite,
  isPresent,
  type KvEngine,
  KvError,
  type KvRecord,
  keepsCreatedAt,
  type ListOptions,
  type ListPage,
  type Mutation,
  type StoredState,
  validateWrite,
  type Write,
} from '../src/index.js';

type Stored = { readonly value: string | undefined } & Omit<KvRecord, 'key' | 'value'>;

/**
 * The smallest engine the contract allows: a Map that outlives close/reopen (standing in for storage), sorted on
 * every list, deciding writes by the shared apply rules. Running the suite on it checks the suite itself asks only
 * what KvEngine promises, so the SQL engine can pass it too.
 */
class MapEngine implements KvEngine {
  private closed = false;
  private readonly listeners = new Set<ChangeListener>();

  constructor(private readonly storage: Map<string, Stored>) {}

  async get(key: string): Promise<KvRecord | undefined> {
    this.check();
    return this.read(key, Date.now());
  }

  async getMany(keys: readonly string[]): Promise<Array<KvRecord | undefined>> {
    this.check();
    const now = Date.now();
    return keys.map((k) => this.read(k, now));
  }

  async list({ prefix = '', after, limit }: ListOptions): Promise<ListPage> {
    this.check();
    if (!(limit >= 1)) throw new KvError('KV_ERR_INVALID_ARGUMENT', 'limit must be at least 1');
    const now = Date.now();
    const keys = [...this.storage.keys()]
      .filter((k) => k.startsWith(prefix) && (after === undefined || compareKeys(k, after) > 0))
      .filter((k) => this.read(k, now) !== undefined)
      .sort(compareKeys);
    const records = keys.slice(0, limit).map((k) => this.read(k, now) as KvRecord);
    return keys.length > limit ? { records, nextAfter: records.at(-1)?.key } : { records };
  }

  async listExpired(now: number, limit: number): Promise<KvRecord[]> {
    this.check();
    return [...this.storage.entries()]
      .filter(([, e]) => e.value !== undefined && e.expiresAt !== undefined && e.expiresAt <= now)
      .sort(([, a], [, b]) => (a.expiresAt ?? 0) - (b.expiresAt ?? 0))
      .slice(0, limit)
      .map(([key, e]) => ({ ...e, key, value: e.value as string }));
  }

  async apply(batch: readonly Write[]): Promise<ApplyOutcome[]> {
    this.check();
    for (const w of batch) validateWrite(w, DEFAULT_LIMITS);
    const now = Date.now();
    const applied: Mutation[] = [];
    const result = batch.map((w): ApplyOutcome => {
      const { outcome, effective, announced } = decideWrite(w, (k) => this.stateOf(k), now);
      for (const m of effective) this.store(m);
      applied.push(...announced);
      return outcome;
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

  private stateOf(key: string): StoredState | undefined {
    const e = this.storage.get(key);
    return e && { version: e.version, writer: e.writer, live: e.value !== undefined, expiresAt: e.expiresAt };
  }

  private read(key: string, now: number): KvRecord | undefined {
    const e = this.storage.get(key);
    if (e?.value === undefined || !isPresent(this.stateOf(key), now)) return undefined;
    return { ...e, key, value: e.value };
  }

  private store(m: Mutation): void {
    const cur = this.stateOf(m.key);
    const kept = this.storage.get(m.key)?.createdAt ?? 0;
    this.storage.set(m.key, {
      value: m.op === 'put' ? m.value : undefined,
      version: m.version,
      writer: m.writer,
      createdAt: m.op === 'put' ? (keepsCreatedAt(m, cur) ? kept : m.timestamp) : 0,
      updatedAt: m.timestamp,
      ...(m.op === 'put' && m.expiresAt !== undefined ? { expiresAt: m.expiresAt } : {}),
    });
  }

  private check(): void {
    if (this.closed) throw new KvError('KV_ERR_SHUTTING_DOWN', 'closed');
  }
}

describeEngineConformance('reference map engine', () => {
  const storage = new Map<string, Stored>();
  return { open: async () => new MapEngine(storage), cleanup: async () => storage.clear() };
});
