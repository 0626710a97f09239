import { describe, expect, it } from 'vitest';
import type { Mutation, Write } from '../engine.js';
import { type ConformanceOptions, del, type EngineFactory, listAll, put, T0, txn, withEngine } from './harness.js';

/** onApplied, purgeTombstones, durability across close/reopen, concurrency, close. */
export function describeLifecycle(factory: EngineFactory, options: ConformanceOptions): void {
  const slow = options.slowTimeoutMs ?? 120_000;

  describe('onApplied', () => {
    it('delivers exactly the mutations that took effect, in order, before apply resolves', () =>
      withEngine(factory, async ({ engine }) => {
        const seen: Mutation[][] = [];
        const off = engine.onApplied((applied) => seen.push([...applied]));
        const first = [put('a', '1', 10), put('a', 'old', 5), del('b', 3), put('c', '1', 1)];
        await engine.apply(first);
        expect(seen.flat()).toEqual([first[0], first[2], first[3]]);
        await engine.apply([put('a', 'old', 5)]); // takes no effect: nothing to deliver
        expect(seen.flat()).toHaveLength(3);
        await engine.apply([del('a', 11)]);
        expect(seen.flat().at(-1)).toEqual(del('a', 11));
        expect(seen.every((batch) => batch.length > 0)).toBe(true);
        off();
        await engine.apply([put('d', '1', 1)]);
        expect(seen.flat()).toHaveLength(4);
      }));

    it('delivers again what a redelivery finds in effect (and only that), though it changes nothing', () =>
      withEngine(factory, async ({ engine }) => {
        const seen: Mutation[] = [];
        engine.onApplied((applied) => seen.push(...applied));
        const hear = async (write: Write) => {
          seen.length = 0;
          const outcomes = await engine.apply([write]);
          return { outcomes, heard: [...seen] };
        };
        const p = put('r', 'v', 10);
        expect(await hear(p)).toEqual({ outcomes: ['applied'], heard: [p] });
        // Redelivered: nothing changes and the outcome says so, but listeners hear it again (its commit's follow-up
        // — cache, change event — may have been lost with a crashed consumer).
        expect(await hear(p)).toEqual({ outcomes: ['superseded'], heard: [p] });
        await engine.apply([put('r', 'newer', 20)]);
        expect(await hear(p)).toEqual({ outcomes: ['superseded'], heard: [] });

        const t = txn(30, [
          { key: 'x', value: '1' },
          { key: 'y', value: '2' },
        ]);
        await engine.apply([t]);
        await engine.apply([put('y', 'newer', 40)]);
        expect(await hear(t)).toEqual({ outcomes: ['superseded'], heard: [t.mutations[0]] });

        const d = del('x', 50);
        await engine.apply([d]);
        expect(await hear(d)).toEqual({ outcomes: ['superseded'], heard: [d] });
        expect(await listAll(engine)).toEqual([
          expect.objectContaining({ key: 'r', value: 'newer' }),
          expect.objectContaining({ key: 'y', value: 'newer' }),
        ]);
      }));

    it('delivers concurrent applies once each, to every listener', () =>
      withEngine(factory, async ({ engine }) => {
        const a: Mutation[] = [];
        const b: Mutation[] = [];
        engine.onApplied((applied) => a.push(...applied));
        engine.onApplied((applied) => b.push(...applied));
        const writes = Array.from({ length: 50 }, (_, i) => put(`k${i}`, 'v', i + 1));
        await Promise.all(writes.map((m) => engine.apply([m])));
        expect(a.map((m) => m.key).sort()).toEqual(writes.map((m) => m.key).sort());
        expect(b).toEqual(a);
      }));
  });

  describe('purgeTombstones', () => {
    it('removes tombstones of deletes issued before the given time, and only those', () =>
      withEngine(factory, async (session) => {
        const { engine } = session;
        await engine.apply([
          put('live', 'v', 1, { timestamp: T0 }),
          del('old', 10, { timestamp: T0 + 100 }),
          del('recent', 10, { timestamp: T0 + 5000 }),
        ]);
        expect(await engine.purgeTombstones(T0 + 1000)).toBe(1);
        expect(await engine.purgeTombstones(T0 + 1000)).toBe(0);
        expect((await engine.get('live'))?.value).toBe('v');
        // The purged tombstone no longer blocks an older put; the kept one still does.
        expect(await engine.apply([put('old', 'back', 5), put('recent', 'back', 5)])).toEqual([
          'applied',
          'superseded',
        ]);
        const reopened = await session.reopen();
        expect((await reopened.get('old'))?.value).toBe('back');
        expect(await reopened.apply([put('recent', 'back', 6)])).toEqual(['superseded']);
        expect(await reopened.purgeTombstones(T0 + 10_000)).toBe(1);
        expect(await reopened.apply([put('recent', 'back', 6)])).toEqual(['applied']);
      }));

    it('stays purged after reopening', () =>
      withEngine(factory, async (session) => {
        await session.engine.apply([del('gone', 10, { timestamp: T0 })]);
        expect(await session.engine.purgeTombstones(T0 + 1)).toBe(1);
        const reopened = await session.reopen();
        expect(await reopened.purgeTombstones(T0 + 1)).toBe(0);
        expect(await reopened.apply([put('gone', 'again', 1)])).toEqual(['applied']);
      }));
  });

  describe('durability', () => {
    it('keeps values, stamps, times and tombstones across close and reopen', () =>
      withEngine(factory, async (session) => {
        const { engine } = session;
        await engine.apply([put('a', '1', 1, { timestamp: T0 + 1 }), put('b', 'é😀', 2), put('c', '', 3)]);
        await engine.apply([put('a', '2', 4, { writer: 'w9', timestamp: T0 + 4 }), del('c', 5)]);
        const before = await listAll(engine);
        let reopened = await session.reopen();
        expect(await listAll(reopened)).toEqual(before);
        expect(await reopened.get('a')).toMatchObject({ value: '2', version: 4n, writer: 'w9', createdAt: T0 + 1 });
        expect(await reopened.apply([put('c', 'late', 4)])).toEqual(['superseded']);
        await reopened.apply([put('d', 'after reopen', 6)]);
        reopened = await session.reopen();
        expect((await listAll(reopened)).map((r) => r.key)).toEqual(['a', 'b', 'd']);
      }));

    it(
      'keeps every acknowledged concurrent write across reopen',
      () =>
        withEngine(factory, async (session) => {
          const writes = Array.from({ length: 200 }, (_, i) =>
            put(`key/${String(i).padStart(3, '0')}`, `v${i}`, i + 1),
          );
          const results = await Promise.all(writes.map((m) => session.engine.apply([m])));
          expect(results.flat().every((o) => o === 'applied')).toBe(true);
          const reopened = await session.reopen();
          const keys = (await listAll(reopened, 'key/', 37)).map((r) => r.key);
          expect(keys).toEqual(writes.map((m) => m.key));
        }),
      slow,
    );
  });

  describe('concurrency and close', () => {
    it('lets the newest stamp win among concurrent writes to one key', () =>
      withEngine(factory, async ({ engine }) => {
        const versions = Array.from({ length: 40 }, (_, i) => ((i * 17) % 40) + 1);
        const results = await Promise.all(versions.map((v) => engine.apply([put('hot', `v${v}`, v)])));
        expect((await engine.get('hot'))?.version).toBe(40n);
        // Whatever the interleaving, the winner took effect.
        expect(results[versions.indexOf(40)]).toEqual(['applied']);
      }));

    it('fails calls made after close', () =>
      withEngine(factory, async (session) => {
        await session.engine.apply([put('k', 'v', 1)]);
        await session.close();
        await expect(session.engine.get('k')).rejects.toThrow();
        await expect(session.engine.apply([put('k', 'v', 2)])).rejects.toThrow();
        const reopened = await session.reopen();
        expect((await reopened.get('k'))?.value).toBe('v');
      }));
  });
}
