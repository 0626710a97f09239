import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CURRENT_VERSION_TRAILER } from '../../src/index.js';
import { type DistributedHarness, startDistributedHarness } from '../support/distributed.js';
import { call, callError, kvClient } from '../support/harness.js';
import { collect } from '../support/watch-client.js';

// The same behaviour as test/grpc/{conditional-writes,txn}.test.ts, on the distributed data plane: there the
// condition is checked by the consumer that applies the write, so these also show that the gRPC front door waits for
// the outcome of every conditional write and transaction.
let h: DistributedHarness;
let client: ReturnType<typeof kvClient>;
let k: (name: string) => string;

beforeAll(async () => {
  h = await startDistributedHarness({ KVERSE_EXPIRY_SWEEP_MS: '100', GRPC_KV_WAIT_APPLIED_MS: '1500' });
  client = kvClient(h.server.address);
  k = (name) => `${h.prefix}${name}`;
});
afterAll(async () => {
  client.close();
  await h?.close();
});

const put = (req: Parameters<typeof client.Put>[0]) => call((cb) => client.Put(req, cb));
const getMany = (keys: string[]) => call((cb) => client.GetMany({ keys }, cb));

describe('conditional writes on the distributed data plane', () => {
  it('lets exactly one of concurrent writers on one version win, answering only once the outcome is known', async () => {
    for (let round = 0; round < 5; round++) {
      const key = k(`race/${round}`);
      const base = await put({ key, value: 'base', waitApplied: true });
      const writers = ['w0', 'w1', 'w2', 'w3'];
      const results = await Promise.allSettled(writers.map((value) => put({ key, value, ifVersion: base!.version })));
      const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [{ value: writers[i]!, res: r.value! }] : []));
      expect(won).toHaveLength(1);
      expect(won[0]!.res.applied).toBe(true);
      for (const r of results) {
        if (r.status === 'rejected') {
          expect((r.reason as { code: number }).code).toBe(status.FAILED_PRECONDITION);
          expect(
            (r.reason as { metadata: { get(k: string): unknown[] } }).metadata.get(CURRENT_VERSION_TRAILER),
          ).toEqual([won[0]!.res.version]);
        }
      }
      // Applied means readable, with no wait_applied asked for.
      const got = await call((cb) => client.Get({ key }, cb));
      expect(got).toMatchObject({ value: won[0]!.value, version: won[0]!.res.version });
    }
  });

  it('fails if_absent on an existing key and if_version on a stale one, Put and Delete alike', async () => {
    const key = k('exists');
    const created = await put({ key, value: 'one', ifAbsent: true });
    expect(created!.applied).toBe(true);
    expect((await callError((cb) => client.Put({ key, value: 'two', ifAbsent: true }, cb))).code).toBe(
      status.FAILED_PRECONDITION,
    );
    const next = await put({ key, value: 'three', ifVersion: created!.version });
    const stale = await callError((cb) => client.Delete({ key, ifVersion: created!.version }, cb));
    expect(stale.code).toBe(status.FAILED_PRECONDITION);
    expect(await call((cb) => client.Delete({ key, ifVersion: next!.version }, cb))).toMatchObject({ applied: true });
    expect((await callError((cb) => client.Get({ key }, cb))).code).toBe(status.NOT_FOUND);
  });

  it('expires a TTL key from Get and GetMany, and its watcher receives the delete', async () => {
    const key = k('ttl');
    const watch = collect(client.Watch({ key }));
    await watch.ready;
    const res = await put({ key, value: 'soon', ttlSeconds: 1, waitApplied: true });
    expect(Number(res!.expiresAtMs)).toBeGreaterThan(Date.now());
    expect((await call((cb) => client.Get({ key }, cb)))!.expiresAtMs).toBe(res!.expiresAtMs);
    const [, deleted] = await watch.waitFor(2, 10_000);
    expect(deleted).toMatchObject({ type: 'EVENT_TYPE_DELETE', key });
    expect((await callError((cb) => client.Get({ key }, cb))).code).toBe(status.NOT_FOUND);
    expect((await getMany([key]))!.entries[0]!.found).toBe(false);
  });
});

describe('transactions on the distributed data plane', () => {
  it('writes nothing when a compare fails, and everything with one version when they hold', async () => {
    const [a, b] = [k('t/a'), k('t/b')];
    const first = await put({ key: a, value: 'a1', waitApplied: true });
    const failed = await callError((cb) =>
      client.Txn(
        {
          compares: [
            { key: a, version: first!.version },
            { key: b, version: first!.version },
          ],
          ops: [{ put: { key: a, value: 'a2' } }, { put: { key: b, value: 'b2' } }],
        },
        cb,
      ),
    );
    expect(failed.code).toBe(status.FAILED_PRECONDITION);
    expect(failed.details).toContain(`"${b}" was required at version ${first!.version}, but it does not exist`);
    expect((await getMany([a, b]))!.entries.map((e) => e.found && e.value)).toEqual(['a1', false]);

    const ok = await call((cb) =>
      client.Txn(
        {
          compares: [
            { key: a, version: first!.version },
            { key: b, absent: true },
          ],
          ops: [{ put: { key: a, value: 'a2' } }, { put: { key: b, value: 'b2' } }],
        },
        cb,
      ),
    );
    expect(ok).toMatchObject({ succeeded: true, applied: true });
    expect((await getMany([a, b]))!.entries.map((e) => [e.value, e.version])).toEqual([
      ['a2', ok!.version],
      ['b2', ok!.version],
    ]);
  });

  it('is never partially visible to a concurrent GetMany while other writers run', async () => {
    const keys = [1, 2, 3].map((i) => k(`atom/${i}`));
    const ops = (value: string) => keys.map((key) => ({ put: { key, value } }));
    await call((cb) => client.Txn({ ops: ops('init'), waitApplied: true }, cb));
    let writing = true;
    const writers = [0, 1].map(async (w) => {
      for (let i = 0; i < 25; i++) await call((cb) => client.Txn({ ops: ops(`${w}-${i}`), waitApplied: true }, cb));
    });
    const others = (async () => {
      for (let i = 0; writing; i++) await put({ key: k(`other/${i % 5}`), value: `${i}` });
    })();
    const seen = new Set<string>();
    const reader = (async () => {
      while (writing) {
        const entries = (await getMany(keys))!.entries;
        expect(new Set(entries.map((e) => `${e.value}@${e.version}`)).size, JSON.stringify(entries)).toBe(1);
        seen.add(entries[0]!.value);
      }
    })();
    await Promise.all(writers);
    writing = false;
    await Promise.all([reader, others]);
    expect(seen.size).toBeGreaterThan(3);
  });
});

describe('without a consumer', () => {
  // Last in this file: it stops the harness's consumer.
  it('answers DEADLINE_EXCEEDED when a conditional write is accepted but its outcome is not known in time', async () => {
    const key = k('no-consumer');
    const base = await put({ key, value: 'one', waitApplied: true });
    await h.stopConsumer();
    const started = Date.now();
    const err = await callError((cb) => client.Put({ key, value: 'two', ifVersion: base!.version }, cb));
    expect(err.code).toBe(status.DEADLINE_EXCEEDED);
    expect(err.details).toMatch(/accepted \(version \d+\) but not applied within 1500 ms/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    const txn = await callError((cb) =>
      client.Txn({ compares: [{ key, version: base!.version }], ops: [{ delete: { key } }] }, cb),
    );
    expect(txn.code).toBe(status.DEADLINE_EXCEEDED);
  });

  it("answers before a caller's deadline shorter than its own bound, with the version the write was accepted as", async () => {
    const key = k('no-consumer');
    const { version } = (await getMany([key]))!.entries[0]!;
    const started = Date.now();
    const err = await callError((cb) =>
      client.Put({ key, value: 'three', ifVersion: version }, { deadline: Date.now() + 600 }, cb),
    );
    // The server's answer, not the client's own timer: it names the version and a bound below the deadline.
    expect(err.code).toBe(status.DEADLINE_EXCEEDED);
    expect(err.details).toMatch(/accepted \(version \d+\) but not applied within (\d+) ms/);
    const bound = Number(/within (\d+) ms/.exec(err.details)![1]);
    expect(bound).toBeGreaterThan(400);
    expect(bound).toBeLessThan(600);
    expect(Date.now() - started).toBeLessThan(1200);
  });
});
