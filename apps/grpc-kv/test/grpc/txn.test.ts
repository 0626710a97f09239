import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TxnRequest } from '../../src/generated/kvstore/TxnRequest.js';
import { CURRENT_VERSION_TRAILER } from '../../src/index.js';
import { call, callError, type Harness, kvClient, startHarness } from '../support/harness.js';

let h: Harness;
let client: ReturnType<typeof kvClient>;

beforeAll(async () => {
  h = await startHarness();
  client = kvClient(h.server.address);
});
afterAll(async () => {
  client.close();
  await h.close();
});

const txn = (req: TxnRequest) => call((cb) => client.Txn(req, cb));
const getMany = (keys: string[]) => call((cb) => client.GetMany({ keys }, cb));
const put = (key: string, value: string) => call((cb) => client.Put({ key, value }, cb));
const putOp = (key: string, value: string, ttlSeconds = 0) => ({ put: { key, value, ttlSeconds } });

describe('Txn', () => {
  it('applies every operation with one version when the compares hold', async () => {
    const a = await put('t/a', 'a1');
    await put('t/c', 'c1');
    const res = await txn({
      compares: [
        { key: 't/a', version: a!.version },
        { key: 't/b', absent: true },
      ],
      ops: [putOp('t/a', 'a2'), putOp('t/b', 'b2', 60), { delete: { key: 't/c' } }],
    });
    expect(res).toMatchObject({ succeeded: true, applied: true });
    const entries = (await getMany(['t/a', 't/b', 't/c']))!.entries;
    expect(entries.map((e) => [e.found, e.value, e.version])).toEqual([
      [true, 'a2', res!.version],
      [true, 'b2', res!.version],
      [false, '', '0'],
    ]);
    expect(Number(entries[1]!.expiresAtMs)).toBeGreaterThan(Date.now() + 50_000);
    expect(entries[0]!.expiresAtMs).toBe('0');
  });

  it('writes nothing when one compare fails, and says which', async () => {
    const x = await put('n/x', 'x1');
    await put('n/x', 'x2');
    const y = await put('n/y', 'y1');
    const err = await callError((cb) =>
      client.Txn(
        {
          compares: [
            { key: 'n/y', version: y!.version },
            { key: 'n/x', version: x!.version },
          ],
          ops: [putOp('n/x', 'x3'), putOp('n/y', 'y2'), putOp('n/z', 'z1')],
        },
        cb,
      ),
    );
    expect(err.code).toBe(status.FAILED_PRECONDITION);
    expect(err.details).toMatch(new RegExp(`"n/x" was required at version ${x!.version}, but it is at version \\d+`));
    expect(err.metadata.get(CURRENT_VERSION_TRAILER)).toHaveLength(1);
    const entries = (await getMany(['n/x', 'n/y', 'n/z']))!.entries;
    expect(entries.map((e) => e.found && e.value)).toEqual(['x2', 'y1', false]);
  });

  it('is never partially visible to a concurrent GetMany, while other writers run', async () => {
    const keys = ['atom/1', 'atom/2', 'atom/3', 'atom/4'];
    await txn({ ops: keys.map((k) => putOp(k, 'init')), waitApplied: true });
    let writing = true;
    const txnWriters = [0, 1, 2].map(async (w) => {
      for (let i = 0; i < 60; i++) {
        await txn({ ops: keys.map((k) => putOp(k, `${w}-${i}`)), waitApplied: i % 2 === 0 });
      }
    });
    // Compare-and-set transactions and plain writes of other keys interleave with them.
    const casWriter = (async () => {
      for (let i = 0; i < 40; i++) {
        const [first] = (await getMany([keys[0]!]))!.entries;
        await txn({
          compares: [{ key: keys[0]!, version: first!.version }],
          ops: keys.map((k) => putOp(k, `cas-${i}`)),
        }).catch((err: { code: number }) => expect(err.code).toBe(status.FAILED_PRECONDITION));
      }
    })();
    const plainWriter = (async () => {
      for (let i = 0; writing; i++) await put(`other/${i % 10}`, `${i}`);
    })();
    const seen = new Set<string>();
    let reads = 0;
    const reader = (async () => {
      while (writing) {
        const entries = (await getMany(keys))!.entries;
        reads++;
        const values = new Set(entries.map((e) => `${e.value}@${e.version}`));
        expect(values.size, JSON.stringify(entries)).toBe(1);
        seen.add(entries[0]!.value);
      }
    })();
    await Promise.all([...txnWriters, casWriter]);
    writing = false;
    await Promise.all([reader, plainWriter]);
    expect(reads).toBeGreaterThan(20);
    expect(seen.size).toBeGreaterThan(5);
  });

  it('refuses oversize, empty, duplicate and malformed transactions with INVALID_ARGUMENT', async () => {
    const ops129 = Array.from({ length: 129 }, (_, i) => putOp(`big/${i}`, 'v'));
    const cases: TxnRequest[] = [
      { ops: ops129 },
      { ops: [] },
      { ops: [putOp('d', '1'), { delete: { key: 'd' } }] },
      { ops: [putOp('t', 'v', 400_000_000)] },
      { ops: [{}] },
      { compares: [{ key: 'c' }], ops: [putOp('c', 'v')] },
      { compares: [{ key: 'c', absent: false }], ops: [putOp('c', 'v')] },
      { ops: [putOp('', 'v')] },
    ];
    for (const req of cases) {
      const err = await callError((cb) => client.Txn(req, cb));
      expect(err.code, JSON.stringify(req).slice(0, 120)).toBe(status.INVALID_ARGUMENT);
    }
    const oversize = await callError((cb) => client.Txn({ ops: ops129 }, cb));
    expect(oversize.details).toMatch(/128/);
    expect((await getMany(['big/0']))!.entries[0]!.found).toBe(false);
    // 128 operations is the limit, not beyond it.
    expect(await txn({ ops: ops129.slice(1) })).toMatchObject({ succeeded: true });
  });

  it('rejects invalid UTF-8 inside a nested operation', async () => {
    // TxnRequest{ops = [TxnOp{put = TxnPut{key = "bad\xff", value = "v"}}]}, as raw bytes.
    const txnPut = Buffer.from([0x0a, 0x04, 0x62, 0x61, 0x64, 0xff, 0x12, 0x01, 0x76]);
    const txnOp = Buffer.concat([Buffer.from([0x0a, txnPut.length]), txnPut]);
    const raw = Buffer.concat([Buffer.from([0x12, txnOp.length]), txnOp]);
    const err = await callError((cb) =>
      client.makeUnaryRequest(
        '/kvstore.KvStore/Txn',
        (b: Buffer) => b,
        (b: Buffer) => b,
        raw,
        cb as never,
      ),
    );
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.details).toMatch(/`key` is not valid UTF-8/);
  });
});

describe('GetMany', () => {
  it('answers in the order asked, with missing keys not found and duplicates repeated', async () => {
    const one = await put('gm/1', 'one');
    const two = await put('gm/2', 'two');
    const res = await getMany(['gm/2', 'gm/missing', 'gm/1', 'gm/2']);
    expect(res!.entries).toEqual([
      { key: 'gm/2', found: true, value: 'two', version: two!.version, expiresAtMs: '0' },
      { key: 'gm/missing', found: false, value: '', version: '0', expiresAtMs: '0' },
      { key: 'gm/1', found: true, value: 'one', version: one!.version, expiresAtMs: '0' },
      { key: 'gm/2', found: true, value: 'two', version: two!.version, expiresAtMs: '0' },
    ]);
    expect((await getMany([]))!.entries).toEqual([]);
  });

  it('takes at most 1000 keys, and valid ones only', async () => {
    const keys = Array.from({ length: 1000 }, (_, i) => `many/${i}`);
    expect((await getMany(keys))!.entries).toHaveLength(1000);
    const tooMany = await callError((cb) => client.GetMany({ keys: [...keys, 'one-more'] }, cb));
    expect(tooMany.code).toBe(status.INVALID_ARGUMENT);
    expect(tooMany.details).toMatch(/1000/);
    expect((await callError((cb) => client.GetMany({ keys: ['ok', ''] }, cb))).code).toBe(status.INVALID_ARGUMENT);
  });
});
