import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CURRENT_VERSION_TRAILER, ERROR_CODE_TRAILER } from '../../src/index.js';
import { call, callError, type Harness, kvClient, startHarness } from '../support/harness.js';
import { collect } from '../support/watch-client.js';

let h: Harness;
let client: ReturnType<typeof kvClient>;

beforeAll(async () => {
  // A fast expiry sweep, so a TTL key's delete reaches watchers soon after it expires.
  h = await startHarness({ KVERSE_EXPIRY_SWEEP_MS: '50' });
  client = kvClient(h.server.address);
});
afterAll(async () => {
  client.close();
  await h.close();
});

const put = (req: Parameters<typeof client.Put>[0]) => call((cb) => client.Put(req, cb));
const get = (key: string) => call((cb) => client.Get({ key }, cb));

describe('conditional Put (if_version, if_absent)', () => {
  it('lets exactly one of several concurrent writers on one version win, and keeps the winner’s value', async () => {
    for (let round = 0; round < 20; round++) {
      const key = `race/${round}`;
      const base = await put({ key, value: 'base' });
      const writers = ['w0', 'w1', 'w2', 'w3', 'w4'];
      const results = await Promise.allSettled(writers.map((value) => put({ key, value, ifVersion: base!.version })));
      const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [{ value: writers[i]!, res: r.value! }] : []));
      expect(won).toHaveLength(1);
      for (const r of results) {
        if (r.status === 'rejected') expect((r.reason as { code: number }).code).toBe(status.FAILED_PRECONDITION);
      }
      const winner = won[0]!;
      expect(winner.res.applied).toBe(true);
      expect(await get(key)).toMatchObject({ value: winner.value, version: winner.res.version });
    }
  });

  it('answers FAILED_PRECONDITION naming the condition, with the key’s current version in a trailer', async () => {
    const first = await put({ key: 'cas', value: 'one' });
    const second = await put({ key: 'cas', value: 'two', ifVersion: first!.version });
    expect(BigInt(second!.version)).toBeGreaterThan(BigInt(first!.version));
    const err = await callError((cb) => client.Put({ key: 'cas', value: 'three', ifVersion: first!.version }, cb));
    expect(err.code).toBe(status.FAILED_PRECONDITION);
    expect(err.details).toBe(
      `condition failed: "cas" was required at version ${first!.version}, but it is at version ${second!.version}; nothing was written`,
    );
    expect(err.metadata.get(ERROR_CODE_TRAILER)).toEqual(['KV_ERR_PRECONDITION_FAILED']);
    expect(err.metadata.get(CURRENT_VERSION_TRAILER)).toEqual([second!.version]);
    expect(await get('cas')).toMatchObject({ value: 'two' });
  });

  it('creates with if_absent once, then fails on the existing key', async () => {
    const created = await put({ key: 'create-once', value: 'first', ifAbsent: true });
    expect(created).toMatchObject({ success: true, applied: true });
    const err = await callError((cb) => client.Put({ key: 'create-once', value: 'second', ifAbsent: true }, cb));
    expect(err.code).toBe(status.FAILED_PRECONDITION);
    expect(err.details).toMatch(/"create-once" was required to be absent, but it is at version \d+/);
    expect(err.metadata.get(CURRENT_VERSION_TRAILER)).toEqual([created!.version]);
    expect(await get('create-once')).toMatchObject({ value: 'first', version: created!.version });
  });

  it('fails if_version on a missing key, and refuses bad conditions with INVALID_ARGUMENT', async () => {
    const missing = await callError((cb) => client.Put({ key: 'nobody', value: 'x', ifVersion: '1' }, cb));
    expect(missing.code).toBe(status.FAILED_PRECONDITION);
    expect(missing.details).toMatch(/but it does not exist/);
    expect(missing.metadata.get(CURRENT_VERSION_TRAILER)).toEqual([]);
    const both = await callError((cb) => client.Put({ key: 'k', value: 'x', ifVersion: '1', ifAbsent: true }, cb));
    expect(both.code).toBe(status.INVALID_ARGUMENT);
    // A version no writer can have minted (far ahead of the clock) is refused, not absorbed by the clock.
    const future = await callError((cb) => client.Put({ key: 'k', value: 'x', ifVersion: (1n << 62n).toString() }, cb));
    expect(future.code).toBe(status.INVALID_ARGUMENT);
    const later = await put({ key: 'after-future', value: 'x' });
    expect(BigInt(later!.version) >> 16n).toBeLessThan(Date.now() + 60_000);
  });
});

describe('conditional Delete (if_version)', () => {
  it('deletes at the right version only', async () => {
    const v1 = await put({ key: 'del', value: 'one' });
    const v2 = await put({ key: 'del', value: 'two' });
    const stale = await callError((cb) => client.Delete({ key: 'del', ifVersion: v1!.version }, cb));
    expect(stale.code).toBe(status.FAILED_PRECONDITION);
    expect(stale.metadata.get(CURRENT_VERSION_TRAILER)).toEqual([v2!.version]);
    const deleted = await call((cb) => client.Delete({ key: 'del', ifVersion: v2!.version }, cb));
    expect(deleted).toMatchObject({ success: true, applied: true });
    expect(BigInt(deleted!.version)).toBeGreaterThan(BigInt(v2!.version));
    expect((await callError((cb) => client.Get({ key: 'del' }, cb))).code).toBe(status.NOT_FOUND);
  });
});

describe('TTL', () => {
  it('returns the expiry, hides the key once expired and sends watchers a DELETE', async () => {
    const watch = collect(client.Watch({ key: 'session' }));
    await watch.ready;
    const before = Date.now();
    const res = await put({ key: 'session', value: 'token', ttlSeconds: 1 });
    const expiresAt = Number(res!.expiresAtMs);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 1000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 1000);
    expect(Number((await get('session'))!.expiresAtMs)).toBe(expiresAt);
    const many = await call((cb) => client.GetMany({ keys: ['session'] }, cb));
    expect(many!.entries[0]).toMatchObject({ found: true, value: 'token', expiresAtMs: String(expiresAt) });
    const all = await call((cb) => client.GetAll({ prefix: 'session' }, cb));
    expect(all!.pairs).toEqual([
      { key: 'session', value: 'token', version: res!.version, expiresAtMs: String(expiresAt) },
    ]);

    const [, deleted] = await watch.waitFor(2, 5_000);
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt);
    expect(deleted).toMatchObject({ type: 'EVENT_TYPE_DELETE', key: 'session' });
    expect((await callError((cb) => client.Get({ key: 'session' }, cb))).code).toBe(status.NOT_FOUND);
    const after = await call((cb) => client.GetMany({ keys: ['session'] }, cb));
    expect(after!.entries).toEqual([{ key: 'session', found: false, value: '', version: '0', expiresAtMs: '0' }]);
  });

  it('never expires a key written without a TTL (expires_at_ms 0), and refuses an out-of-range TTL', async () => {
    await put({ key: 'forever', value: 'x' });
    expect((await get('forever'))!.expiresAtMs).toBe('0');
    expect((await call((cb) => client.GetAll({ prefix: 'forever' }, cb)))!.pairs[0]!.expiresAtMs).toBe('0');
    const err = await callError((cb) => client.Put({ key: 'too-long', value: 'x', ttlSeconds: 400_000_000 }, cb));
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.details).toMatch(/ttl/);
  });
});
