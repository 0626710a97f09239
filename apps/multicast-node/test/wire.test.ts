import { describe, expect, it } from 'vitest';
import { decode, encode } from '../src/wire.js';

const ok = { v: 1, t: 'data', from: 'n1', inc: 'ab12', seq: 1, cmd: { op: 'SET', key: 'x', value: '1' } };
const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('wire format', () => {
  it('round-trips every kind of message', () => {
    const messages = [
      ok,
      {
        v: 1,
        t: 'order',
        from: 'n1',
        epoch: 1,
        gseq: 5,
        entries: [
          { origin: { from: 'n2', inc: 'ff', seq: 3 }, cmd: { op: 'PRINT' } },
          { origin: { from: 'n1', inc: 'aa', seq: 9 }, cmd: { op: 'SET', key: 'k', value: 'v' } },
        ],
      },
      { v: 1, t: 'nack', from: 'n2', epoch: 1, first: 3, last: 9 },
      { v: 1, t: 'hb', from: 'n2', epoch: 0, leader: null, role: 'follower', high: 0 },
      { v: 1, t: 'takeover', from: 'n2', epoch: 2 },
      { v: 1, t: 'sync', from: 'n3', epoch: 2, high: 17 },
    ] as const;
    for (const m of messages) expect(decode(encode(m, 8192), 8192)).toEqual({ ok: true, message: m });
  });

  it('drops oversized datagrams before parsing them', () => {
    const big = bytes({ ...ok, cmd: { op: 'SET', key: 'x', value: 'v'.repeat(9000) } });
    expect(decode(big, 8192)).toMatchObject({ ok: false, reason: 'oversized' });
    expect(() => encode({ ...ok, cmd: { op: 'SET', key: 'x', value: 'v'.repeat(9000) } } as never, 8192)).toThrow(
      RangeError,
    );
  });

  it('drops what is not JSON', () => {
    expect(decode(Buffer.from('SET x 1'), 8192)).toMatchObject({ ok: false, reason: 'malformed' });
    expect(decode(Buffer.from([0xff, 0xfe, 0x00]), 8192)).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('drops JSON that only looks like a message (spoofed or wrong schema)', () => {
    const bad = [
      { ...ok, v: 2 },
      { ...ok, t: 'shutdown' },
      { ...ok, seq: 0 },
      { ...ok, seq: '1' },
      { ...ok, from: 'bad id with spaces' },
      { ...ok, extra: true },
      { ...ok, cmd: { op: 'SET', key: 'x' } },
      { ...ok, cmd: { op: 'DELETE', key: 'x' } },
      { ...ok, cmd: { op: 'SET', key: '', value: '1' } },
      { v: 1, t: 'hb', from: 'n2', epoch: 0, leader: null, role: 'king', high: 0 },
      { v: 1, t: 'order', from: 'n1', epoch: 1, gseq: 1, entries: [] },
      [ok],
      null,
    ];
    for (const value of bad) expect(decode(bytes(value), 8192)).toMatchObject({ ok: false, reason: 'invalid' });
  });
});
