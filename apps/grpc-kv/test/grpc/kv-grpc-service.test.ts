import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODE_TRAILER } from '../../src/index.js';
import {
  call,
  callError,
  type Harness,
  kvClient,
  type SeedClient,
  seedClient,
  startHarness,
} from '../support/harness.js';

let h: Harness;
let seed: SeedClient;
let client: ReturnType<typeof kvClient>;

beforeAll(async () => {
  h = await startHarness();
  seed = seedClient(h.server.address);
  client = kvClient(h.server.address);
});
afterAll(async () => {
  seed.close();
  client.close();
  await h.close();
});

describe('a client generated from the seed proto', () => {
  it('puts, gets, lists and deletes unchanged', async () => {
    expect(await call((cb) => seed.Put({ key: 'nome', value: 'Daniel' }, cb))).toEqual({ success: true });
    expect(await call((cb) => seed.Get({ key: 'nome' }, cb))).toEqual({ key: 'nome', value: 'Daniel' });
    await call((cb) => seed.Put({ key: 'user:1', value: '{"name":"João"}' }, cb));
    const all = await call((cb) => seed.GetAll({}, cb));
    expect(all.pairs).toEqual({ nome: 'Daniel', 'user:1': '{"name":"João"}' });
    expect(await call((cb) => seed.Delete({ key: 'nome' }, cb))).toEqual({ success: true });
    const missing = await callError((cb) => seed.Get({ key: 'nome' }, cb));
    expect(missing.code).toBe(status.NOT_FOUND);
    expect(missing.metadata.get(ERROR_CODE_TRAILER)).toEqual(['KV_ERR_NOT_FOUND']);
  });

  it('gets NOT_FOUND deleting a missing key', async () => {
    expect((await callError((cb) => seed.Delete({ key: 'never-there' }, cb))).code).toBe(status.NOT_FOUND);
  });
});

describe('the extended contract', () => {
  it('returns versions that grow, and reads its own applied write', async () => {
    const first = await call((cb) => client.Put({ key: 'v', value: 'one', waitApplied: true }, cb));
    const second = await call((cb) => client.Put({ key: 'v', value: 'two', waitApplied: true }, cb));
    expect(first?.applied).toBe(true);
    expect(BigInt(second!.version)).toBeGreaterThan(BigInt(first!.version));
    const got = await call((cb) => client.Get({ key: 'v' }, cb));
    expect(got).toMatchObject({ key: 'v', value: 'two', version: second!.version });
  });

  it('pages GetAll by prefix with a cursor', async () => {
    for (const k of ['p/a', 'p/b', 'p/c', 'q/a']) await call((cb) => client.Put({ key: k, value: k }, cb));
    const first = await call((cb) => client.GetAll({ prefix: 'p/', limit: 2 }, cb));
    expect(first!.pairs.map((p) => p.key)).toEqual(['p/a', 'p/b']);
    expect(first!.nextCursor).not.toBe('');
    const rest = await call((cb) => client.GetAll({ prefix: 'p/', limit: 2, cursor: first!.nextCursor }, cb));
    expect(rest!.pairs.map((p) => p.key)).toEqual(['p/c']);
    expect(rest!.nextCursor).toBe('');
  });

  it('answers a GetAll asking for more than a page with one page of 1,000 and the cursor of the rest', async () => {
    const keys = Array.from({ length: 1001 }, (_, i) => `big/${String(i).padStart(4, '0')}`);
    await Promise.all(keys.map((k) => call((cb) => client.Put({ key: k, value: 'x' }, cb))));
    const page = await call((cb) => client.GetAll({ prefix: 'big/', limit: 4_000_000_000 }, cb));
    expect(page!.pairs).toHaveLength(1000);
    const rest = await call((cb) =>
      client.GetAll({ prefix: 'big/', limit: 4_000_000_000, cursor: page!.nextCursor }, cb),
    );
    expect(rest!.pairs.map((p) => p.key)).toEqual([keys[1000]]);
  });
});

describe('bad input', () => {
  const cases: Array<[string, { key: string; value: string }]> = [
    ['an empty key', { key: '', value: 'x' }],
    ['an oversize key', { key: 'k'.repeat(1025), value: 'x' }],
    ['a key with control characters', { key: 'a\u0001b', value: 'x' }],
    ['an oversize value', { key: 'big', value: 'x'.repeat(1024 * 1024 + 1) }],
    ['a NUL in the value', { key: 'nul', value: 'a\u0000b' }],
  ];
  it.each(cases)('answers INVALID_ARGUMENT for %s', async (_name, request) => {
    const err = await callError((cb) => seed.Put(request, cb));
    expect(err.code).toBe(status.INVALID_ARGUMENT);
  });

  it('answers INVALID_ARGUMENT for invalid UTF-8 in a string field, and keeps serving', async () => {
    // PutRequest{key = "bad\xff", value = "v"} as raw protobuf bytes: field 1 (tag 0x0a), field 2 (tag 0x12).
    const raw = Buffer.from([0x0a, 0x04, 0x62, 0x61, 0x64, 0xff, 0x12, 0x01, 0x76]);
    const err = await callError((cb) =>
      seed.makeUnaryRequest(
        '/kvstore.KvStore/Put',
        (bytes: Buffer) => bytes,
        (bytes: Buffer) => bytes,
        raw,
        cb as never,
      ),
    );
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.details).toMatch(/UTF-8/);
    // The lossy decoding would have stored "bad\uFFFD": nothing was stored.
    expect((await callError((cb) => seed.Get({ key: 'bad\uFFFD' }, cb))).code).toBe(status.NOT_FOUND);
    // Bytes that are not protobuf at all.
    const garbage = await callError((cb) =>
      seed.makeUnaryRequest(
        '/kvstore.KvStore/Get',
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.from([0xff, 0xff]),
        cb as never,
      ),
    );
    expect(garbage.code).toBe(status.INVALID_ARGUMENT);
    expect(await call((cb) => seed.Put({ key: 'after-bad-input', value: 'ok' }, cb))).toEqual({ success: true });
  });
});

describe('health', () => {
  it('reports SERVING over grpc.health.v1', async () => {
    const answer = await call<Buffer>((cb) =>
      seed.makeUnaryRequest(
        '/grpc.health.v1.Health/Check',
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.from([0x0a, 0x0f, ...Buffer.from('kvstore.KvStore')]),
        cb as never,
      ),
    );
    // HealthCheckResponse{status = SERVING (1)}
    expect([...answer]).toEqual([0x08, 0x01]);
  });
});

describe('server reflection', () => {
  it.each(['v1', 'v1alpha'])(
    'lists kvstore.KvStore over grpc.reflection.%s (what grpcurl asks first)',
    async (version) => {
      const stream = seed.makeBidiStreamRequest(
        `/grpc.reflection.${version}.ServerReflection/ServerReflectionInfo`,
        (b: Buffer) => b,
        (b: Buffer) => b,
      );
      const answer = new Promise<Buffer>((resolve, reject) => {
        stream.once('data', resolve);
        stream.once('error', reject);
      });
      // ServerReflectionRequest{list_services = "*"}: field 7, length-delimited.
      stream.write(Buffer.from([0x3a, 0x01, 0x2a]));
      const bytes = await answer;
      stream.end();
      expect(bytes.toString('latin1')).toContain('kvstore.KvStore');
    },
  );
});

describe('metrics', () => {
  it('counts calls by method and status', async () => {
    const text = await h.metrics.metrics();
    expect(text).toMatch(/kverse_grpc_kv_requests_total\{method="Put",code="OK"\} [1-9]/);
    expect(text).toMatch(/kverse_grpc_kv_requests_total\{method="Get",code="NOT_FOUND"\} [1-9]/);
  });
});

describe('close', () => {
  it('completes while clients stay connected, ending their watches with UNAVAILABLE', async () => {
    const other = await startHarness();
    const c = kvClient(other.server.address);
    try {
      await call((cb) => c.Put({ key: 'k', value: 'v' }, cb));
      const watch = c.Watch({ key: 'k' });
      const ended = new Promise<{ code: number }>((resolve) => watch.on('error', resolve));
      await new Promise((resolve) => watch.once('metadata', resolve));
      const started = Date.now();
      await other.server.close();
      expect(Date.now() - started).toBeLessThan(5_000);
      expect((await ended).code).toBe(status.UNAVAILABLE);
    } finally {
      c.close();
      await other.close();
    }
  });
});
