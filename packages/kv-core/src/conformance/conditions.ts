import { describe, expect, it } from 'vitest';
import type { Mutation, Precondition } from '../engine.js';
import { type ConformanceOptions, del, type EngineFactory, listAll, put, txn, withEngine } from './harness.js';

const ifVersion = (version: number): Precondition => ({ version: BigInt(version) });
const ifAbsent: Precondition = { absent: true };

function when<M extends Mutation>(m: M, condition: Precondition): M {
  return { ...m, condition };
}

function expiring(m: Mutation, expiresAt: number): Mutation {
  if (m.op !== 'put') throw new Error('only a put expires');
  return { ...m, expiresAt };
}

/** Conditional writes, TTL, transactions and bulk reads. */
export function describeConditions(factory: EngineFactory, options: ConformanceOptions): void {
  const slow = options.slowTimeoutMs ?? 120_000;

  describe('conditional writes', () => {
    it('applies If-Match only at the current version, and reports a mismatch as failed', () =>
      withEngine(factory, async ({ engine }) => {
        await engine.apply([put('k', 'v1', 10)]);
        expect(await engine.apply([when(put('k', 'stale', 20), ifVersion(9))])).toEqual(['failed']);
        expect((await engine.get('k'))?.value).toBe('v1');
        expect(await engine.apply([when(put('k', 'v2', 21), ifVersion(10))])).toEqual(['applied']);
        expect(await engine.get('k')).toMatchObject({ value: 'v2', version: 21n });
        expect(await engine.apply([when(del('k', 22), ifVersion(10))])).toEqual(['failed']);
        expect(await engine.apply([when(del('k', 23), ifVersion(21))])).toEqual(['applied']);
        expect(await engine.get('k')).toBeUndefined();
      }));

    it('fails If-Match on a missing or deleted key, and If-None-Match on a present one', () =>
      withEngine(factory, async ({ engine }) => {
        expect(await engine.apply([when(put('k', 'x', 5), ifVersion(1))])).toEqual(['failed']);
        expect(await engine.apply([when(put('k', 'first', 6), ifAbsent)])).toEqual(['applied']);
        expect(await engine.apply([when(put('k', 'second', 7), ifAbsent)])).toEqual(['failed']);
        expect((await engine.get('k'))?.value).toBe('first');
        await engine.apply([del('k', 8)]);
        expect(await engine.apply([when(put('k', 'x', 9), ifVersion(8))])).toEqual(['failed']);
        expect(await engine.apply([when(put('k', 'again', 10), ifAbsent)])).toEqual(['applied']);
      }));

    it('decides each write of a batch against the writes before it', () =>
      withEngine(factory, async ({ engine }) => {
        const outcomes = await engine.apply([
          when(put('k', 'a', 10), ifAbsent),
          when(put('k', 'b', 11), ifAbsent),
          when(put('k', 'c', 12), ifVersion(10)),
          when(put('k', 'd', 13), ifVersion(10)),
        ]);
        expect(outcomes).toEqual(['applied', 'failed', 'applied', 'failed']);
        expect((await engine.get('k'))?.value).toBe('c');
      }));

    it('treats a redelivered conditional write as already decided (superseded, not failed)', () =>
      withEngine(factory, async ({ engine }) => {
        await engine.apply([put('k', 'v1', 10)]);
        const write = when(put('k', 'v2', 20), ifVersion(10));
        expect(await engine.apply([write])).toEqual(['applied']);
        expect(await engine.apply([write])).toEqual(['superseded']);
        expect(await engine.get('k')).toMatchObject({ value: 'v2', version: 20n });
      }));

    it(
      'lets exactly one of many concurrent writers conditioned on one version win',
      () =>
        withEngine(factory, async ({ engine }) => {
          await engine.apply([put('k', 'base', 10)]);
          const writers = Array.from({ length: 16 }, (_, i) =>
            engine.apply([when(put('k', `w${i}`, 100 + i, { writer: `w${i}` }), ifVersion(10))]),
          );
          const outcomes = (await Promise.all(writers)).flat();
          expect(outcomes.filter((o) => o === 'applied')).toHaveLength(1);
          expect(outcomes.filter((o) => o === 'failed')).toHaveLength(15);
          const winner = outcomes.indexOf('applied');
          expect(await engine.get('k')).toMatchObject({ value: `w${winner}`, version: BigInt(100 + winner) });
        }),
      slow,
    );
  });

  describe('TTL', () => {
    it('hides an expired key from get, getMany and list, and lists it as expired', () =>
      withEngine(factory, async ({ engine }) => {
        const past = Date.now() - 1000;
        await engine.apply([expiring(put('gone', 'x', 10), past), put('kept', 'y', 11)]);
        expect(await engine.get('gone')).toBeUndefined();
        expect(await engine.getMany(['gone', 'kept'])).toEqual([undefined, expect.objectContaining({ value: 'y' })]);
        expect((await listAll(engine)).map((r) => r.key)).toEqual(['kept']);
        expect(await engine.listExpired(Date.now(), 10)).toEqual([
          expect.objectContaining({ key: 'gone', version: 10n, expiresAt: past }),
        ]);
      }));

    it('serves a key until it expires, and keeps its expiry across reopen', () =>
      withEngine(factory, async ({ engine, reopen }) => {
        const at = Date.now() + 60_000;
        await engine.apply([expiring(put('k', 'v', 10), at)]);
        expect(await engine.get('k')).toMatchObject({ value: 'v', expiresAt: at });
        expect(await engine.listExpired(Date.now(), 10)).toEqual([]);
        expect(await engine.listExpired(at, 10)).toEqual([expect.objectContaining({ key: 'k' })]);
        const reopened = await reopen();
        expect(await reopened.get('k')).toMatchObject({ value: 'v', expiresAt: at });
        expect(await reopened.listExpired(at, 10)).toEqual([expect.objectContaining({ key: 'k' })]);
      }));

    it('expires a key in real time', async () =>
      withEngine(factory, async ({ engine }) => {
        await engine.apply([expiring(put('k', 'v', 10), Date.now() + 300)]);
        expect((await engine.get('k'))?.value).toBe('v');
        await new Promise((r) => setTimeout(r, 400));
        expect(await engine.get('k')).toBeUndefined();
      }));

    it('drops the TTL when the key is overwritten without one', () =>
      withEngine(factory, async ({ engine }) => {
        await engine.apply([expiring(put('k', 'v1', 10), Date.now() - 1), put('k', 'v2', 11)]);
        expect(await engine.get('k')).toEqual(expect.not.objectContaining({ expiresAt: expect.anything() }));
        expect(await engine.listExpired(Date.now() + 1e9, 10)).toEqual([]);
      }));

    it('counts an expired key as absent for conditions, and deletes it only at the version that expired', () =>
      withEngine(factory, async ({ engine }) => {
        await engine.apply([expiring(put('a', 'old', 10), Date.now() - 1)]);
        expect(await engine.apply([when(put('a', 'x', 11), ifVersion(10))])).toEqual(['failed']);
        expect(await engine.apply([when(del('a', 12), ifVersion(10))])).toEqual(['failed']);
        expect(await engine.listExpired(Date.now(), 10)).toHaveLength(1);
        // The expiry sweep's delete is conditioned on the expired version: it removes the key only at that version.
        await engine.apply([expiring(put('c', 'old', 10), Date.now() - 1)]);
        expect(await engine.apply([when(del('c', 13), { expiredVersion: 9n })])).toEqual(['failed']);
        const deletes: string[] = [];
        const off = engine.onApplied((changes) => deletes.push(...changes.map((c) => `${c.op} ${c.key}`)));
        expect(await engine.apply([when(del('c', 15), { expiredVersion: 10n })])).toEqual(['applied']);
        off();
        expect(deletes).toEqual(['delete c']);
        expect(await engine.listExpired(Date.now(), 10)).toEqual([expect.objectContaining({ key: 'a' })]);
        await engine.apply([expiring(put('d', 'live', 10), Date.now() + 60_000)]);
        expect(await engine.apply([when(del('d', 14), { expiredVersion: 10n })])).toEqual(['failed']);
        expect((await engine.get('d'))?.value).toBe('live');

        await engine.apply([expiring(put('b', 'old', 10), Date.now() - 1)]);
        expect(await engine.apply([when(put('b', 'new', 11), ifAbsent)])).toEqual(['applied']);
        expect(await engine.get('b')).toMatchObject({ value: 'new', version: 11n });
        expect(await engine.listExpired(Date.now(), 10)).toEqual([expect.objectContaining({ key: 'a' })]);
      }));
  });

  describe('transactions', () => {
    it('applies every operation when the compares hold, with one version', () =>
      withEngine(factory, async ({ engine }) => {
        await engine.apply([put('a', 'a1', 10), put('c', 'c1', 10)]);
        const t = txn(
          20,
          [{ key: 'a', value: 'a2' }, { key: 'b', value: 'b2' }, { key: 'c' }],
          [
            { key: 'a', condition: ifVersion(10) },
            { key: 'b', condition: ifAbsent },
          ],
        );
        expect(await engine.apply([t])).toEqual(['applied']);
        expect(await engine.getMany(['a', 'b', 'c'])).toEqual([
          expect.objectContaining({ value: 'a2', version: 20n }),
          expect.objectContaining({ value: 'b2', version: 20n }),
          undefined,
        ]);
      }));

    it('applies nothing when any compare fails', () =>
      withEngine(factory, async ({ engine }) => {
        await engine.apply([put('a', 'a1', 10), put('b', 'b1', 10)]);
        const t = txn(
          20,
          [{ key: 'a', value: 'x' }, { key: 'b' }, { key: 'n', value: 'x' }],
          [
            { key: 'a', condition: ifVersion(10) },
            { key: 'b', condition: ifVersion(9) },
          ],
        );
        expect(await engine.apply([t])).toEqual(['failed']);
        expect(await listAll(engine)).toEqual([
          expect.objectContaining({ key: 'a', value: 'a1' }),
          expect.objectContaining({ key: 'b', value: 'b1' }),
        ]);
      }));

    it('keeps "newest wins" per key inside a transaction, and treats a redelivery as superseded', () =>
      withEngine(factory, async ({ engine }) => {
        await engine.apply([put('b', 'newer', 30)]);
        const t = txn(20, [
          { key: 'a', value: 'x' },
          { key: 'b', value: 'x' },
        ]);
        expect(await engine.apply([t])).toEqual(['applied']);
        expect((await engine.getMany(['a', 'b'])).map((r) => r?.value)).toEqual(['x', 'newer']);
        expect(await engine.apply([t])).toEqual(['superseded']);
      }));

    it('survives reopen whole', () =>
      withEngine(factory, async ({ engine, reopen }) => {
        await engine.apply([
          txn(20, [
            { key: 'a', value: '1' },
            { key: 'b', value: '2' },
          ]),
        ]);
        const reopened = await reopen();
        expect((await reopened.getMany(['a', 'b'])).map((r) => r?.version)).toEqual([20n, 20n]);
      }));

    it('rejects an empty transaction, a key written twice, and operations carrying their own condition', () =>
      withEngine(factory, async ({ engine }) => {
        await expect(engine.apply([txn(1, [])])).rejects.toMatchObject({ code: 'KV_ERR_INVALID_ARGUMENT' });
        await expect(engine.apply([txn(1, [{ key: 'a', value: '1' }, { key: 'a' }])])).rejects.toMatchObject({
          code: 'KV_ERR_INVALID_ARGUMENT',
        });
        const t = txn(1, [{ key: 'a', value: '1' }]);
        const withCondition = { ...t, mutations: [when(t.mutations[0] as Mutation, ifAbsent)] };
        await expect(engine.apply([withCondition])).rejects.toMatchObject({ code: 'KV_ERR_INVALID_ARGUMENT' });
        expect(await engine.get('a')).toBeUndefined();
      }));

    it(
      'is never partially visible to readers while transactions and other writers run concurrently',
      () =>
        withEngine(factory, async ({ engine }) => {
          let done = false;
          let reads = 0;
          const reader = (async () => {
            while (!done) {
              const [a, b] = await engine.getMany(['a', 'b']);
              reads++;
              expect(a?.version).toBe(b?.version);
              expect(a?.value).toBe(b?.value);
              // An in-memory engine answers without I/O; let the writers' I/O run between reads.
              await new Promise<void>((resolve) => setImmediate(resolve));
            }
          })();
          const writers = Array.from({ length: 4 }, async (_, w) => {
            for (let i = 1; i <= 25; i++) {
              const v = i * 10 + w;
              await engine.apply([
                txn(
                  v,
                  [
                    { key: 'a', value: `${v}` },
                    { key: 'b', value: `${v}` },
                  ],
                  [],
                  `t${w}`,
                ),
                put('other', `${v}`, v, { writer: `t${w}` }),
              ]);
            }
          });
          await Promise.all(writers);
          done = true;
          await reader;
          expect(reads).toBeGreaterThan(0);
          const [a, b] = await engine.getMany(['a', 'b']);
          expect(a).toMatchObject({ value: '253', version: 253n });
          expect(b).toMatchObject({ value: '253', version: 253n });
        }),
      slow,
    );
  });

  describe('getMany', () => {
    it('returns records in the order asked, undefined for missing and deleted keys', () =>
      withEngine(factory, async ({ engine }) => {
        await engine.apply([put('a', '1', 10), put('b', '2', 10), del('b', 11), put('é', '3', 10)]);
        const got = await engine.getMany(['é', 'missing', 'a', 'b', 'a']);
        expect(got.map((r) => r?.value)).toEqual(['3', undefined, '1', undefined, '1']);
        expect(await engine.getMany([])).toEqual([]);
      }));
  });
}
