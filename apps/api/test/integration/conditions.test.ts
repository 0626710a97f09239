import { randomBytes } from 'node:crypto';
import type { RunningConsumer } from '@kverse/consumer';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiNode, get, put, REDIS_URL, requireServices, startApiNode, startInProcessConsumer } from './cluster.js';

interface Answer {
  readonly status: number;
  readonly body: { version?: string; status?: string; expiresAt?: string; error?: { code: string; message: string } };
  readonly etag: string | null;
}

async function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Answer['body'], etag: res.headers.get('etag') };
}

// Conditional writes, TTL, transactions and bulk get through the real REST API on the distributed data plane: two API
// replicas, two consumers, real PostgreSQL, RabbitMQ and Redis. Conditions are decided by the consumer that applies
// the write; the client learns the outcome through ?wait=applied.
describe('conditional writes, TTL and transactions on the distributed data plane', () => {
  const run = randomBytes(4).toString('hex');
  let nodes: ApiNode[] = [];
  let consumers: RunningConsumer[] = [];
  let redis: Redis;
  const a = () => nodes[0]!.url;
  const b = () => nodes[1]!.url;

  beforeAll(async () => {
    await requireServices();
    const sweep = { KVERSE_EXPIRY_SWEEP_MS: '100' };
    consumers = await Promise.all([startInProcessConsumer(sweep), startInProcessConsumer(sweep)]);
    nodes = await Promise.all([startApiNode(), startApiNode()]);
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    redis?.disconnect();
    for (const n of nodes) await n.close();
    for (const c of consumers) await c.close();
  });

  it('two writers conditioned on one version through two replicas: exactly one wins, the other gets 412', async () => {
    for (let round = 0; round < 5; round++) {
      const key = `${run}/cas/${round}`;
      const first = await put(a(), key, 'v0', true);
      const answers = await Promise.all(
        ['x', 'y'].map((v, i) =>
          call(i === 0 ? a() : b(), 'PUT', '/kv?wait=applied', { key, value: v }, { 'if-match': `"${first.version}"` }),
        ),
      );
      expect(answers.map((r) => r.status).sort()).toEqual([200, 412]);
      const winner = answers.find((r) => r.status === 200)!;
      const loser = answers.find((r) => r.status === 412)!;
      expect(loser.body.error?.code).toBe('KV_ERR_PRECONDITION_FAILED');
      expect(winner.etag).toBe(`"${winner.body.version}"`);
      const stored = await get(b(), key);
      expect(stored?.version).toBe(BigInt(winner.body.version!));
      expect(stored?.value).toBe(answers[0]!.status === 200 ? 'x' : 'y');
    }
  });

  it('If-None-Match: * creates a key once, however many writers race', async () => {
    const key = `${run}/create-once`;
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        call(i % 2 ? a() : b(), 'PUT', '/kv?wait=applied', { key, value: `w${i}` }, { 'if-none-match': '*' }),
      ),
    );
    expect(answers.filter((r) => r.status === 200)).toHaveLength(1);
    expect(answers.filter((r) => r.status === 412)).toHaveLength(5);
  });

  it('a 202 for a conditional write promises only that it is queued: a failed condition writes nothing', async () => {
    const key = `${run}/cas-202`;
    const first = await put(a(), key, 'kept', true);
    const stale = await call(a(), 'PUT', '/kv', { key, value: 'lost' }, { 'if-match': `"${first.version! - 1n}"` });
    expect(stale.status).toBe(202);
    expect(stale.body.status).toBe('pending');
    // Writes to one key are applied in order: once a later waited write to it is decided, so was the first.
    const probe = await call(b(), 'PUT', '/kv?wait=applied', { key, value: 'lost too' }, { 'if-none-match': '*' });
    expect(probe.status).toBe(412);
    expect(await get(b(), key)).toEqual({ value: 'kept', version: first.version });
    const del = await call(a(), 'DELETE', `/kv?key=${encodeURIComponent(key)}&wait=applied`, undefined, {
      'if-match': `"${first.version}"`,
    });
    expect(del.status).toBe(200);
    expect(await get(b(), key)).toBeUndefined();
  });

  it('a TTL key is served until it expires, then vanishes from reads, lists and the cache, and watchers see a delete', async () => {
    const key = `${run}/ttl/k`;
    const controller = new AbortController();
    const stream = await fetch(`${b()}/kv/watch?key=${encodeURIComponent(key)}`, { signal: controller.signal });
    let seen = '';
    const reading = (async () => {
      const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          seen += value;
        }
      } catch {
        // aborted
      }
    })();
    const written = await call(a(), 'PUT', '/kv?wait=applied', { key, value: 'short-lived', ttl: 1 });
    expect(written.status).toBe(200);
    expect(Date.parse(written.body.expiresAt!)).toBeGreaterThan(Date.now());
    const read = await call(b(), 'GET', `/kv?key=${encodeURIComponent(key)}`);
    expect(read.status).toBe(200);
    expect(read.body.expiresAt).toBe(written.body.expiresAt);
    await expect.poll(() => seen.includes('event: delete'), { timeout: 10_000, interval: 50 }).toBe(true);
    controller.abort();
    await reading;
    expect(seen.indexOf('event: put')).toBeLessThan(seen.indexOf('event: delete'));
    expect((await call(a(), 'GET', `/kv?key=${encodeURIComponent(key)}`)).status).toBe(404);
    expect((await call(b(), 'GET', `/kv?key=${encodeURIComponent(key)}`)).status).toBe(404);
    const list = (await call(a(), 'GET', `/kv?prefix=${encodeURIComponent(`${run}/ttl/`)}`)).body as { items?: [] };
    expect(list.items).toEqual([]);
    const cached = await redis.hget(`kverse:kv:${key}`, 'v');
    expect(cached === null || BigInt(cached) > BigInt(written.body.version!)).toBe(true);
  });

  it('a transaction applies all or nothing, and a bulk get on another replica never sees part of one', async () => {
    const [x, y] = [`${run}/txn/x`, `${run}/txn/y`];
    const base = await call(a(), 'POST', '/kv/txn?wait=applied', {
      operations: [
        { op: 'put', key: x, value: '0' },
        { op: 'put', key: y, value: '0' },
      ],
    });
    expect(base.status).toBe(200);

    const failed = await call(b(), 'POST', '/kv/txn?wait=applied', {
      compares: [
        { key: x, version: base.body.version },
        { key: `${run}/txn/absent`, absent: true },
        { key: y, version: '1' },
      ],
      operations: [
        { op: 'put', key: x, value: 'no' },
        { op: 'delete', key: y },
      ],
    });
    expect(failed.status).toBe(412);
    const bulk = async () =>
      (await call(b(), 'POST', '/kv/get', { keys: [x, `${run}/txn/missing`, y] })).body as unknown as {
        items: Array<{ value: string; version: string } | null>;
      };
    const unchanged = await bulk();
    expect(unchanged.items.map((i) => i?.value ?? null)).toEqual(['0', null, '0']);

    let done = false;
    let reads = 0;
    const reader = (async () => {
      while (!done) {
        const [rx, , ry] = (await bulk()).items;
        reads++;
        expect(rx?.version).toBe(ry?.version);
        expect(rx?.value).toBe(ry?.value);
      }
    })();
    await Promise.all(
      Array.from({ length: 4 }, async (_, w) => {
        for (let i = 0; i < 10; i++) {
          const r = await call(w % 2 ? a() : b(), 'POST', '/kv/txn?wait=applied', {
            operations: [
              { op: 'put', key: x, value: `${w}-${i}` },
              { op: 'put', key: y, value: `${w}-${i}` },
            ],
          });
          expect(r.status).toBe(200);
          // A plain writer on a third key alongside.
          await put(w % 2 ? b() : a(), `${run}/txn/other`, `${w}-${i}`);
        }
      }),
    );
    done = true;
    await reader;
    expect(reads).toBeGreaterThan(0);
  });

  it('refuses malformed conditions, TTLs and transactions with 400 and writes nothing', async () => {
    const key = `${run}/bad`;
    expect((await call(a(), 'PUT', '/kv', { key, value: 'v' }, { 'if-match': 'yesterday' })).status).toBe(400);
    expect((await call(a(), 'PUT', '/kv', { key, value: 'v' }, { 'if-none-match': '"1"' })).status).toBe(400);
    expect((await call(a(), 'PUT', '/kv', { key, value: 'v', ttl: 0 })).status).toBe(400);
    expect(
      (await call(a(), 'DELETE', `/kv?key=${encodeURIComponent(key)}`, undefined, { 'if-none-match': '*' })).status,
    ).toBe(400);
    const tooMany = Array.from({ length: 129 }, (_, i) => ({ op: 'delete', key: `${key}/${i}` }));
    expect((await call(a(), 'POST', '/kv/txn', { operations: tooMany })).status).toBe(400);
    const twice = [
      { op: 'put', key, value: '1' },
      { op: 'delete', key },
    ];
    const dup = await call(a(), 'POST', '/kv/txn', { operations: twice });
    expect(dup.status).toBe(400);
    expect(dup.body.error?.message).toMatch(/more than once/);
    expect((await call(a(), 'POST', '/kv/get', { keys: Array(1001).fill(key) })).status).toBe(400);
    await put(a(), `${key}/probe`, 'p', true);
    expect(await get(b(), key)).toBeUndefined();
  });
});
