import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { remembersFailure, writeId } from '../apply-rules.js';
import type { ApplyOutcome, KvEngine, KvRecord, Mutation, Precondition, Transaction, Write } from '../engine.js';
import { compareStamps } from '../hlc.js';
import { compareKeys } from '../keys.js';
import { type ConformanceOptions, type EngineFactory, listAll, T0, withEngine } from './harness.js';

/**
 * The reference model: a plain map from key to its newest entry, written from the contract in engine.ts and
 * nothing else. Property runs drive it and the engine with the same random operations and compare every answer.
 */
interface ModelEntry {
  readonly value: string | undefined;
  readonly version: bigint;
  readonly writer: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

class Model {
  private readonly entries = new Map<string, ModelEntry>();
  /** With `remembersFailedWrites`: the writes decided `failed`, which fail again whenever they are applied again. */
  private readonly failed: Set<string> | undefined;

  constructor(remembersFailedWrites: boolean) {
    this.failed = remembersFailedWrites ? new Set() : undefined;
  }

  apply(batch: readonly Write[]): ApplyOutcome[] {
    return batch.map((w) => {
      const remembered = remembersFailure(w);
      if (remembered && this.failed?.has(writeId(w))) return 'failed';
      const outcome = w.op === 'txn' ? this.transact(w) : this.applyOne(w);
      if (outcome === 'failed' && remembered) this.failed?.add(writeId(w));
      return outcome;
    });
  }

  private holds(key: string, c: Precondition): boolean {
    const cur = this.entries.get(key);
    const live = cur?.value !== undefined;
    // The model has no TTLs, so no key is ever expired.
    if ('expiredVersion' in c) return false;
    return 'absent' in c ? !live : live && cur?.version === c.version;
  }

  private applyOne(m: Mutation): ApplyOutcome {
    const cur = this.entries.get(m.key);
    if (cur !== undefined && compareStamps(m, cur) === 0) return 'superseded';
    if (m.condition !== undefined && !this.holds(m.key, m.condition)) return 'failed';
    if (cur !== undefined && compareStamps(m, cur) < 0) return 'superseded';
    this.set(m);
    return 'applied';
  }

  private transact(t: Transaction): ApplyOutcome {
    for (const m of t.mutations) {
      const cur = this.entries.get(m.key);
      if (cur !== undefined && compareStamps(m, cur) === 0) return 'superseded';
    }
    if (!t.compares.every((c) => this.holds(c.key, c.condition))) return 'failed';
    let any = false;
    for (const m of t.mutations) {
      const cur = this.entries.get(m.key);
      if (cur !== undefined && compareStamps(m, cur) <= 0) continue;
      this.set(m);
      any = true;
    }
    return any ? 'applied' : 'superseded';
  }

  private set(m: Mutation): void {
    const cur = this.entries.get(m.key);
    const live = cur?.value !== undefined;
    this.entries.set(m.key, {
      value: m.op === 'put' ? m.value : undefined,
      version: m.version,
      writer: m.writer,
      createdAt: m.op === 'put' ? (live ? (cur?.createdAt ?? 0) : m.timestamp) : 0,
      updatedAt: m.timestamp,
    });
  }

  purge(before: number): number {
    let n = 0;
    for (const [key, e] of this.entries) {
      if (e.value === undefined && e.updatedAt < before) {
        this.entries.delete(key);
        n += 1;
      }
    }
    return n;
  }

  get(key: string): KvRecord | undefined {
    const e = this.entries.get(key);
    if (e?.value === undefined) return undefined;
    return {
      key,
      value: e.value,
      version: e.version,
      writer: e.writer,
      createdAt: e.createdAt,
      updatedAt: e.updatedAt,
    };
  }

  list(prefix: string): KvRecord[] {
    return [...this.entries.keys()]
      .filter((k) => k.startsWith(prefix))
      .sort(compareKeys)
      .flatMap((k) => this.get(k) ?? []);
  }
}

type Op =
  | { readonly t: 'apply'; readonly batch: Write[] }
  | { readonly t: 'get'; readonly key: string }
  | { readonly t: 'list'; readonly prefix: string; readonly limit: number }
  | { readonly t: 'purge'; readonly before: number }
  | { readonly t: 'reopen' };

// A small key space, so operations collide; prefixes of each other and characters whose UTF-16 and UTF-8 orders
// differ.
const KEYS = ['a', 'a/', 'a/b', 'ab', 'b', 'é', '\uFFFD', '\u{1F600}', '\u{1F600}a'];
const PREFIXES = ['', 'a', 'a/', '\u{1F600}', 'é', 'zz'];

const versionArb = fc.bigInt({ min: 1n, max: 12n });
const conditionArb: fc.Arbitrary<Precondition | undefined> = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constant({ absent: true } as const) },
  { weight: 2, arbitrary: versionArb.map((version) => ({ version })) },
);

const mutationArb: fc.Arbitrary<Mutation> = fc
  .record({
    del: fc.boolean(),
    key: fc.constantFrom(...KEYS),
    version: versionArb,
    writer: fc.constantFrom('a', 'b'),
    timestamp: fc.integer({ min: T0, max: T0 + 20 }),
    value: fc.string({ maxLength: 8, unit: 'grapheme' }),
    condition: conditionArb,
  })
  .map(({ del, key, version, writer, timestamp, value, condition }): Mutation => {
    const c = condition === undefined ? {} : { condition };
    return del
      ? { op: 'delete', key, version, writer, timestamp, ...c }
      : { op: 'put', key, value, version, writer, timestamp, ...c };
  });

const txnArb: fc.Arbitrary<Transaction> = fc
  .record({
    version: versionArb,
    writer: fc.constantFrom('a', 'b'),
    timestamp: fc.integer({ min: T0, max: T0 + 20 }),
    ops: fc.uniqueArray(
      fc.record({ key: fc.constantFrom(...KEYS), del: fc.boolean(), value: fc.string({ maxLength: 4 }) }),
      {
        minLength: 1,
        maxLength: 3,
        selector: (o) => o.key,
      },
    ),
    compares: fc.array(
      fc.record({
        key: fc.constantFrom(...KEYS),
        condition: conditionArb.map((c): Precondition => c ?? { absent: true }),
      }),
      { maxLength: 2 },
    ),
  })
  .map(({ version, writer, timestamp, ops, compares }) => ({
    op: 'txn',
    version,
    writer,
    timestamp,
    compares,
    mutations: ops.map(
      (o): Mutation =>
        o.del
          ? { op: 'delete', key: o.key, version, writer, timestamp }
          : { op: 'put', key: o.key, value: o.value, version, writer, timestamp },
    ),
  }));

const writeArb: fc.Arbitrary<Write> = fc.oneof({ weight: 5, arbitrary: mutationArb }, { weight: 1, arbitrary: txnArb });

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.array(writeArb, { minLength: 1, maxLength: 4 }).map((batch) => ({ t: 'apply', batch }) as const),
  },
  { weight: 2, arbitrary: fc.constantFrom(...KEYS).map((key) => ({ t: 'get', key }) as const) },
  {
    weight: 2,
    arbitrary: fc
      .record({ prefix: fc.constantFrom(...PREFIXES), limit: fc.integer({ min: 1, max: 4 }) })
      .map((o) => ({ t: 'list', ...o }) as const),
  },
  { weight: 1, arbitrary: fc.integer({ min: T0, max: T0 + 25 }).map((before) => ({ t: 'purge', before }) as const) },
  { weight: 1, arbitrary: fc.constant({ t: 'reopen' } as const) },
);

async function pages(engine: KvEngine, prefix: string, limit: number): Promise<KvRecord[]> {
  const out: KvRecord[] = [];
  let after: string | undefined;
  for (let i = 0; i <= KEYS.length; i++) {
    const page = await engine.list({ prefix, limit, ...(after === undefined ? {} : { after }) });
    out.push(...page.records);
    if (page.nextAfter === undefined) return out;
    after = page.nextAfter;
  }
  throw new Error(`listing ${JSON.stringify(prefix)} did not end`);
}

/** Property-based test: random operation sequences agree with {@link Model}. */
export function describeModel(factory: EngineFactory, options: ConformanceOptions): void {
  describe('model', () => {
    it(
      'agrees with a simple in-memory model on random operation sequences, across reopens',
      async () => {
        await fc.assert(
          fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 30 }), async (ops) => {
            const model = new Model(options.remembersFailedWrites ?? false);
            await withEngine(factory, async (session) => {
              for (const op of ops) {
                const engine = session.engine;
                if (op.t === 'apply') expect(await engine.apply(op.batch)).toEqual(model.apply(op.batch));
                else if (op.t === 'get') expect(await engine.get(op.key)).toEqual(model.get(op.key));
                else if (op.t === 'list')
                  expect(await pages(engine, op.prefix, op.limit)).toEqual(model.list(op.prefix));
                else if (op.t === 'purge') expect(await engine.purgeTombstones(op.before)).toBe(model.purge(op.before));
                else await session.reopen();
              }
              expect(await listAll(session.engine)).toEqual(model.list(''));
              // A reopen at the end catches state that only lived in memory.
              expect(await listAll(await session.reopen())).toEqual(model.list(''));
            });
          }),
          { numRuns: options.propertyRuns ?? 40 },
        );
      },
      options.slowTimeoutMs ?? 120_000,
    );
  });
}
