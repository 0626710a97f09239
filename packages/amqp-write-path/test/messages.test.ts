import type { Write } from '@kverse/kv-core';
import { describe, expect, it } from 'vitest';
import { decodeChanges, decodeWrite, encodeChanges, encodeWrite } from '../src/messages.js';

const put: Write = {
  op: 'put',
  key: 'user/1',
  value: 'ünïcode ✓',
  version: 117739470108622848n,
  writer: 'api-1',
  timestamp: 1_700_000_000_000,
  condition: { version: 117739470108622000n },
  expiresAt: 1_700_000_060_000,
};
const del: Write = {
  op: 'delete',
  key: 'user/2',
  version: 117739470108622849n,
  writer: 'api-2',
  timestamp: 1_700_000_000_001,
  condition: { absent: true },
};
const txn: Write = {
  op: 'txn',
  version: 117739470108622850n,
  writer: 'api-1',
  timestamp: 1_700_000_000_002,
  compares: [
    { key: 'a', condition: { version: 5n } },
    { key: 'b', condition: { absent: true } },
  ],
  mutations: [
    { op: 'put', key: 'a', value: 'x', version: 117739470108622850n, writer: 'api-1', timestamp: 1_700_000_000_002 },
    { op: 'delete', key: 'c', version: 117739470108622850n, writer: 'api-1', timestamp: 1_700_000_000_002 },
  ],
};
const json = (o: unknown) => Buffer.from(JSON.stringify(o));
const validPut = { v: 1, op: 'put', key: 'k', value: 'x', version: '12', writer: 'w', timestamp: 1 };

describe('kv.writes messages', () => {
  it('round-trip puts, deletes and transactions with their conditions, TTL and 64-bit versions', () => {
    for (const write of [put, del, txn]) expect(decodeWrite(encodeWrite(write))).toEqual(write);
  });

  it.each([
    ['garbage bytes', Buffer.from([0xff, 0xfe, 0x00]), 'not UTF-8 JSON'],
    ['truncated JSON', Buffer.from('{"v":1,"op":"put"'), 'not UTF-8 JSON'],
    ['an unknown format version', json({ ...validPut, v: 9 }), 'does not match its schema'],
    ['a version with a leading zero', json({ ...validPut, version: '012' }), '/version'],
    ['a version longer than 64 bits allow', json({ ...validPut, version: '1'.repeat(20) }), '/version'],
    ['an empty key', json({ ...validPut, key: '' }), 'does not match its schema'],
    ['an unknown property', json({ ...validPut, extra: 1 }), 'does not match its schema'],
    ['a value that is not a string', json({ ...validPut, value: 7 }), 'does not match its schema'],
    ['an empty transaction', json({ ...validPut, op: 'txn', compares: [], ops: [] }), 'does not match its schema'],
  ])('refuse %s with a reason (the dead-letter reason)', (_what, body, reason) => {
    expect(() => decodeWrite(body)).toThrow(reason);
  });
});

describe('kv.changes messages', () => {
  it('round-trip what was applied (without conditions) and how every write settled', () => {
    const applied = [put, del].map((m) => ({ ...m, condition: undefined })) as never[];
    const settled = [
      { version: 117739470108622848n, writer: 'api-1', outcome: 'applied' as const },
      { version: 117739470108622849n, writer: 'api-2', outcome: 'failed' as const },
      { version: 117739470108622850n, writer: 'api-1', outcome: 'superseded' as const },
    ];
    const decoded = decodeChanges(encodeChanges({ applied: [put, del] as never[], settled }));
    expect(decoded.settled).toEqual(settled);
    expect(decoded.applied.map((m) => ({ ...m, condition: undefined }))).toEqual(applied);
    expect(decoded.applied.every((m) => m.condition === undefined)).toBe(true);
  });

  it('refuses an older format and an unknown outcome', () => {
    expect(() => decodeChanges(json({ v: 1, applied: [], settled: [] }))).toThrow('does not match its schema');
    expect(() =>
      decodeChanges(json({ v: 2, applied: [], settled: [{ version: '1', writer: 'w', outcome: 'maybe' }] })),
    ).toThrow('does not match its schema');
  });
});
