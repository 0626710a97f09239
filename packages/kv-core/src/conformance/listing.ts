import { describe, expect, it } from 'vitest';
import type { KvEngine, ListPage } from '../engine.js';
import { compareKeys } from '../keys.js';
import { del, type EngineFactory, listAll, put, withEngine } from './harness.js';

// Chosen so UTF-16 order (JavaScript's `<`) and UTF-8 byte order disagree: U+1F600 is a surrogate pair in UTF-16
// (0xD83D…, sorting before U+FFFD) but 4 bytes starting 0xF0 in UTF-8 (sorting after U+FFFD's 0xEF…).
const KEYS = [
  'a',
  'a/',
  'a/b',
  'a/b/c',
  'a/c',
  'ab',
  'b',
  'B',
  'é',
  'é/x',
  '\uFFFD',
  '\u{1F600}',
  '\u{1F600}/x',
  'z',
  '~',
];

/** Keys of every page of `prefix`, read `limit` at a time, checking each page against the ListPage contract. */
async function pagedKeys(engine: KvEngine, prefix: string, limit: number, after?: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = after;
  for (let pages = 0; pages <= KEYS.length + 1; pages++) {
    const page: ListPage = await engine.list({ prefix, limit, ...(cursor === undefined ? {} : { after: cursor }) });
    expect(page.records.length).toBeLessThanOrEqual(limit);
    if (page.nextAfter !== undefined) {
      // "More may follow" is only claimed on a full page, and the cursor is the page's last key.
      expect(page.records.length).toBe(limit);
      expect(page.nextAfter).toBe(page.records.at(-1)?.key);
    }
    keys.push(...page.records.map((r) => r.key));
    if (page.nextAfter === undefined) return keys;
    cursor = page.nextAfter;
  }
  throw new Error('paging did not end');
}

/** list: prefix, UTF-8 byte order, `after`/`limit` paging. */
export function describeListing(factory: EngineFactory): void {
  describe('list', () => {
    const seeded = (body: (engine: KvEngine) => Promise<void>) =>
      withEngine(factory, async ({ engine }) => {
        // Written in reverse and in several batches, so the order cannot come from insertion.
        const reversed = KEYS.toReversed();
        await engine.apply(reversed.slice(0, 7).map((k, i) => put(k, `v:${k}`, i + 1)));
        await engine.apply(reversed.slice(7).map((k, i) => put(k, `v:${k}`, i + 100)));
        await body(engine);
      });

    it('returns every live key in UTF-8 byte order', () =>
      seeded(async (engine) => {
        const expected = [...KEYS].sort(compareKeys);
        const bytesOrder = [...KEYS].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
        expect(expected).toEqual(bytesOrder);
        const page = await engine.list({ limit: 100 });
        expect(page.records.map((r) => r.key)).toEqual(expected);
        expect(page.nextAfter).toBeUndefined();
        expect(page.records.find((r) => r.key === 'é')).toMatchObject({ value: 'v:é', writer: 'w1' });
      }));

    it('pages with after/limit, covering every key exactly once, for every page size', () =>
      seeded(async (engine) => {
        const expected = [...KEYS].sort(compareKeys);
        for (let limit = 1; limit <= KEYS.length + 1; limit++) {
          expect(await pagedKeys(engine, '', limit)).toEqual(expected);
        }
      }));

    it('filters by prefix, including multi-byte prefixes, and pages within it', () =>
      seeded(async (engine) => {
        const cases: Array<[string, string[]]> = [
          ['a/', ['a/', 'a/b', 'a/b/c', 'a/c']],
          ['a', ['a', 'a/', 'a/b', 'a/b/c', 'a/c', 'ab']],
          ['é', ['é', 'é/x']],
          ['\u{1F600}', ['\u{1F600}', '\u{1F600}/x']],
          ['nothing', []],
        ];
        for (const [prefix, expected] of cases) {
          for (const limit of [1, 2, 100]) expect(await pagedKeys(engine, prefix, limit)).toEqual(expected);
        }
      }));

    it('resumes strictly after `after`, whether or not that key exists or lies inside the prefix', () =>
      seeded(async (engine) => {
        expect(await pagedKeys(engine, 'a/', 10, 'a/b')).toEqual(['a/b/c', 'a/c']);
        expect(await pagedKeys(engine, 'a/', 10, 'a/bz')).toEqual(['a/c']);
        // A resume point before the prefix starts at the prefix; one after it yields nothing.
        expect(await pagedKeys(engine, 'a/', 10, 'A')).toEqual(['a/', 'a/b', 'a/b/c', 'a/c']);
        expect(await pagedKeys(engine, 'a/', 10, 'b')).toEqual([]);
        expect(await pagedKeys(engine, '', 10, '\uFFFD')).toEqual(['\u{1F600}', '\u{1F600}/x']);
      }));

    it('skips tombstones without losing or repeating keys across pages', () =>
      seeded(async (engine) => {
        await engine.apply(['a/', 'a/b/c', 'b', '\u{1F600}'].map((k) => del(k, 1000)));
        const expected = KEYS.filter((k) => !['a/', 'a/b/c', 'b', '\u{1F600}'].includes(k)).sort(compareKeys);
        for (const limit of [1, 2, 3, 100]) expect(await pagedKeys(engine, '', limit)).toEqual(expected);
        expect(await pagedKeys(engine, 'a/', 1)).toEqual(['a/b', 'a/c']);
      }));

    it('sees writes made between pages', () =>
      seeded(async (engine) => {
        const first = await engine.list({ prefix: 'a/', limit: 2 });
        expect(first.records.map((r) => r.key)).toEqual(['a/', 'a/b']);
        await engine.apply([put('a/bb', 'new', 5000), put('a/', 'changed', 5000)]);
        expect(await pagedKeys(engine, 'a/', 2, first.nextAfter)).toEqual(['a/b/c', 'a/bb', 'a/c']);
        expect((await listAll(engine, 'a/')).find((r) => r.key === 'a/')?.value).toBe('changed');
      }));

    it('rejects a limit below 1 with KV_ERR_INVALID_ARGUMENT', () =>
      withEngine(factory, async ({ engine }) => {
        await expect(engine.list({ limit: 0 })).rejects.toMatchObject({ code: 'KV_ERR_INVALID_ARGUMENT' });
      }));
  });
}
