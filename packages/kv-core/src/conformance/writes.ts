import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Mutation } from '../engine.js';
import { type ConformanceOptions, del, type EngineFactory, listAll, put, stateOf, T0, withEngine } from './harness.js';

/** get/put/delete, stamps deciding which write wins, redelivery and order independence. */
export function describeWrites(factory: EngineFactory, options: ConformanceOptions): void {
  const slow = options.slowTimeoutMs ?? 120_000;

  describe('writes', () => {
    it('returns undefined for a key never written', () =>
      withEngine(factory, async ({ engine }) => {
        expect(await engine.get('missing')).toBeUndefined();
      }));

    it('stores a put with its stamp, createdAt and updatedAt', () =>
      withEngine(factory, async ({ engine }) => {
        expect(await engine.apply([put('k', 'v1', 10, { writer: 'w7', timestamp: T0 + 1 })])).toEqual(['applied']);
        expect(await engine.get('k')).toEqual({
          key: 'k',
          value: 'v1',
          version: 10n,
          writer: 'w7',
          createdAt: T0 + 1,
          updatedAt: T0 + 1,
        });
      }));

    it('keeps createdAt across overwrites and moves updatedAt', () =>
      withEngine(factory, async ({ engine }) => {
        await engine.apply([put('k', 'v1', 10, { timestamp: T0 + 1 })]);
        await engine.apply([put('k', 'v2', 20, { timestamp: T0 + 2 })]);
        expect(await engine.get('k')).toMatchObject({
          value: 'v2',
          version: 20n,
          createdAt: T0 + 1,
          updatedAt: T0 + 2,
        });
      }));

    it('ignores a put whose stamp is not newer, and reports it', () =>
      withEngine(factory, async ({ engine }) => {
        await engine.apply([put('k', 'new', 20)]);
        expect(await engine.apply([put('k', 'old', 10)])).toEqual(['superseded']);
        expect(await engine.apply([put('k', 'same', 20)])).toEqual(['superseded']);
        expect((await engine.get('k'))?.value).toBe('new');
      }));

    it('breaks version ties by writer id, whatever the order', () =>
      withEngine(factory, async ({ engine }) => {
        expect(
          await engine.apply([put('a', 'from-b', 5, { writer: 'b' }), put('a', 'from-a', 5, { writer: 'a' })]),
        ).toEqual(['applied', 'superseded']);
        expect(
          await engine.apply([put('z', 'from-a', 5, { writer: 'a' }), put('z', 'from-b', 5, { writer: 'b' })]),
        ).toEqual(['applied', 'applied']);
        expect((await engine.get('a'))?.value).toBe('from-b');
        expect((await engine.get('z'))?.value).toBe('from-b');
      }));

    it('deletes as a tombstone: the key is gone from get and list', () =>
      withEngine(factory, async ({ engine }) => {
        await engine.apply([put('k', 'v', 10), put('other', 'v', 10)]);
        expect(await engine.apply([del('k', 11)])).toEqual(['applied']);
        expect(await engine.get('k')).toBeUndefined();
        expect((await listAll(engine)).map((r) => r.key)).toEqual(['other']);
      }));

    it('does not let a delete older than the put remove it', () =>
      withEngine(factory, async ({ engine }) => {
        await engine.apply([put('k', 'v', 20)]);
        expect(await engine.apply([del('k', 10)])).toEqual(['superseded']);
        expect((await engine.get('k'))?.value).toBe('v');
      }));

    it('does not let a put older than a tombstone resurrect the key', () =>
      withEngine(factory, async ({ engine }) => {
        await engine.apply([del('k', 20)]);
        expect(await engine.apply([put('k', 'late', 10)])).toEqual(['superseded']);
        expect(await engine.get('k')).toBeUndefined();
        expect(await engine.apply([put('k', 'v1', 5), del('k', 15)])).toEqual(['superseded', 'superseded']);
        expect(await engine.get('k')).toBeUndefined();
      }));

    it('lets a newer put recreate a deleted key, resetting createdAt', () =>
      withEngine(factory, async ({ engine }) => {
        await engine.apply([put('k', 'v1', 10, { timestamp: T0 + 1 }), del('k', 20, { timestamp: T0 + 2 })]);
        expect(await engine.apply([put('k', 'v2', 30, { timestamp: T0 + 3 })])).toEqual(['applied']);
        expect(await engine.get('k')).toMatchObject({ value: 'v2', createdAt: T0 + 3, updatedAt: T0 + 3 });
      }));

    it('applies a batch in order, each mutation against the ones before it', () =>
      withEngine(factory, async ({ engine }) => {
        const result = await engine.apply([
          put('k', 'a', 1),
          put('k', 'c', 3),
          put('k', 'b', 2),
          del('k', 2),
          del('j', 1),
        ]);
        expect(result).toEqual(['applied', 'applied', 'superseded', 'superseded', 'applied']);
        expect((await engine.get('k'))?.value).toBe('c');
      }));

    it('applies an empty batch as a no-op', () =>
      withEngine(factory, async ({ engine }) => {
        expect(await engine.apply([])).toEqual([]);
      }));

    it('stores empty, multi-byte, 1 MiB values and 1 KiB keys exactly', () =>
      withEngine(factory, async ({ engine }) => {
        const big = 'x'.repeat(1024 * 1024 - 2) + 'é';
        const longKey = 'k'.repeat(1023) + '/';
        const values: Array<[string, string]> = [
          ['empty', ''],
          ['unicode', 'olá 😀 \u{10FFFF} \uFFFD 中文'],
          ['big', big],
          [longKey, 'long key'],
        ];
        await engine.apply(values.map(([k, v], i) => put(k, v, i + 1)));
        for (const [k, v] of values) expect((await engine.get(k))?.value).toBe(v);
      }));

    it('treats redelivery as harmless: applying everything again changes nothing', () =>
      withEngine(factory, async ({ engine }) => {
        const history = [put('a', '1', 1), put('b', '1', 2), del('a', 3), put('c', '1', 4), put('b', '2', 5)];
        for (const m of history) await engine.apply([m]);
        const before = await listAll(engine);
        expect(await engine.apply(history)).toEqual(history.map(() => 'superseded'));
        for (const m of history) expect(await engine.apply([m])).toEqual(['superseded']);
        expect(await listAll(engine)).toEqual(before);
      }));

    it(
      'reaches the same state whatever order the mutations arrive in',
      async () => {
        const keys = ['a', 'b', 'c', 'a/b'];
        const mutation = fc
          .record({
            key: fc.constantFrom(...keys),
            version: fc.integer({ min: 1, max: 30 }),
            writer: fc.constantFrom('w1', 'w2'),
            del: fc.boolean(),
          })
          .map(
            (m): Mutation =>
              m.del ? del(m.key, m.version, m) : put(m.key, `${m.key}@${m.version}${m.writer}`, m.version, m),
          );
        await fc.assert(
          fc.asyncProperty(
            // A writer never mints one version twice, so distinct mutations have distinct stamps.
            fc.uniqueArray(mutation, { minLength: 1, maxLength: 25, selector: (m) => `${m.version}/${m.writer}` }),
            fc.func(fc.integer()),
            async (history, rank) => {
              // The same mutations, shuffled and cut into batches, each delivered twice.
              const shuffled = history.map((m, i) => ({ m, r: rank(i) })).sort((x, y) => x.r - y.r);
              const batches: Mutation[][] = [];
              for (let i = 0; i < shuffled.length; i += 3) batches.push(shuffled.slice(i, i + 3).map((x) => x.m));
              let inOrder: unknown;
              await withEngine(factory, async ({ engine }) => {
                for (const m of history) await engine.apply([m]);
                inOrder = stateOf(await listAll(engine));
              });
              await withEngine(factory, async ({ engine }) => {
                for (const batch of [...batches, ...batches.toReversed()]) await engine.apply(batch);
                expect(stateOf(await listAll(engine))).toEqual(inOrder);
              });
            },
          ),
          { numRuns: Math.max(5, Math.floor((options.propertyRuns ?? 40) / 2)) },
        );
      },
      slow,
    );
  });
}
