import { describe, expect, it } from 'vitest';
import type { KvRecord } from '../src/api.js';
import { applyChange, type Change, compareUtf8, prettyValue } from '../src/model.js';

const rec = (key: string, version: string, value = 'v'): KvRecord => ({
  key,
  value,
  version,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
});
const put = (key: string, version: string, value = 'new'): Change => ({ op: 'put', key, value, version, timestamp: 0 });

describe('applyChange', () => {
  const items = [rec('a/1', '10'), rec('a/3', '10')];

  it('inserts a new key in order, updates a newer version and ignores an older one', () => {
    expect(applyChange(items, put('a/2', '11'), 'a/', true).map((r) => r.key)).toEqual(['a/1', 'a/2', 'a/3']);
    expect(applyChange(items, put('a/1', '11'), 'a/', true)[0]).toMatchObject({ value: 'new', version: '11' });
    expect(applyChange(items, put('a/1', '9'), 'a/', true)).toBe(items);
    expect(applyChange(items, put('a/1', '10'), 'a/', true)).toBe(items);
  });

  it('leaves keys outside the prefix, and past the loaded page, to later loads', () => {
    expect(applyChange(items, put('b/1', '11'), 'a/', true)).toBe(items);
    expect(applyChange(items, put('a/9', '11'), 'a/', false)).toBe(items);
    expect(applyChange(items, put('a/0', '11'), 'a/', false).map((r) => r.key)).toEqual(['a/0', 'a/1', 'a/3']);
  });

  it('removes a deleted key unless the delete is older', () => {
    const del = (version: string): Change => ({ op: 'delete', key: 'a/1', version, timestamp: 0 });
    expect(applyChange(items, del('11'), 'a/', true).map((r) => r.key)).toEqual(['a/3']);
    expect(applyChange(items, del('5'), 'a/', true)).toBe(items);
  });

  it('compares versions beyond 2^53 exactly', () => {
    const big = [rec('k', '117658292789379072')];
    expect(applyChange(big, put('k', '117658292789379073'), '', true)[0]?.version).toBe('117658292789379073');
  });
});

describe('compareUtf8', () => {
  it('orders by UTF-8 bytes like the API, not by UTF-16 code units', () => {
    // U+FF61 is 0xEF 0xBD 0xA1; U+1F600 is 0xF0 …: bytes put the emoji last, UTF-16 puts it first.
    expect(compareUtf8('\u{1F600}', '\uFF61')).toBeGreaterThan(0);
    expect('\u{1F600}' < '\uFF61').toBe(true);
    expect(compareUtf8('a', 'ab')).toBeLessThan(0);
    expect(compareUtf8('x', 'x')).toBe(0);
  });
});

describe('prettyValue', () => {
  it('pretty-prints JSON objects and arrays and leaves other text alone', () => {
    expect(prettyValue('{"a":[1,2]}')).toEqual({ text: '{\n  "a": [\n    1,\n    2\n  ]\n}', json: true });
    expect(prettyValue('{not json')).toEqual({ text: '{not json', json: false });
    expect(prettyValue('42')).toEqual({ text: '42', json: false });
    expect(prettyValue('hello')).toEqual({ text: 'hello', json: false });
  });
});
