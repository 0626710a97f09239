import { Writable } from 'node:stream';
import { Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { AccessControl, createAuditLog, createToken, KeyedRateLimiter, parseTokenEntries } from '@kverse/access';
import { ConfigError } from '@kverse/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildKvCommand } from '../../src/cli/kv-command.js';
import { peerAddress } from '../../src/grpc/access-guard.js';
import { ERROR_CODE_TRAILER } from '../../src/grpc/grpc-status.js';
import { captureIo } from '../support/capture-io.js';
import { call, callError, type Harness, kvClient, startHarness } from '../support/harness.js';

const writer = createToken('ci', 'write');
const reader = createToken('dashboard', 'read');
const tokens = parseTokenEntries(`${writer.entry},${reader.entry}`, 'test');

function bearer(token: string): Metadata {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return metadata;
}

describe('gRPC access control (auth on)', () => {
  let h: Harness;
  let c: ReturnType<typeof kvClient>;
  const audit: Array<Record<string, unknown>> = [];
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _enc, done) {
        audit.push(JSON.parse(String(chunk)) as Record<string, unknown>);
        done();
      },
    });
    h = await startHarness({}, new AccessControl({ enabled: true, tokens, audit: createAuditLog(sink) }));
    c = kvClient(h.server.address);
  });
  afterAll(async () => {
    c?.close();
    await h?.close();
  });

  const get = (key: string) =>
    call<{ value: string; version: string }>((cb) => c.Get({ key }, bearer(reader.token), cb));

  it('refuses calls without a token or with a wrong one (UNAUTHENTICATED), and writes nothing', async () => {
    const none = await callError((cb) => c.Put({ key: 'g/refused', value: 'x' }, cb));
    expect(none.code).toBe(status.UNAUTHENTICATED);
    expect(none.metadata.get(ERROR_CODE_TRAILER)).toEqual(['KV_ERR_UNAUTHENTICATED']);
    const wrong = await callError((cb) => c.Put({ key: 'g/refused', value: 'x' }, bearer('kvt_guess'), cb));
    expect(wrong.code).toBe(status.UNAUTHENTICATED);
    expect((await callError((cb) => c.Get({ key: 'g/refused' }, cb))).code).toBe(status.UNAUTHENTICATED);
    expect((await callError((cb) => c.GetAll({ prefix: '' }, cb))).code).toBe(status.UNAUTHENTICATED);
    expect((await callError((cb) => c.Get({ key: 'g/refused' }, bearer(reader.token), cb))).code).toBe(
      status.NOT_FOUND,
    );
  });

  it('refuses a Watch without a token', async () => {
    const watch = c.Watch({ key: 'g/any' });
    const err = await new Promise<ServiceError>((resolve) => watch.on('error', resolve));
    expect(err.code).toBe(status.UNAUTHENTICATED);
  });

  it('a read-only token reads but cannot write (PERMISSION_DENIED), and the key is unchanged', async () => {
    const first = await call<{ version: string }>((cb) =>
      c.Put({ key: 'g/guarded', value: 'original', waitApplied: true }, bearer(writer.token), cb),
    );
    const put = await callError((cb) => c.Put({ key: 'g/guarded', value: 'changed' }, bearer(reader.token), cb));
    expect(put.code).toBe(status.PERMISSION_DENIED);
    const del = await callError((cb) => c.Delete({ key: 'g/guarded' }, bearer(reader.token), cb));
    expect(del.code).toBe(status.PERMISSION_DENIED);
    const txn = await callError((cb) =>
      c.Txn({ ops: [{ put: { key: 'g/guarded', value: 'changed' } }] }, bearer(reader.token), cb),
    );
    expect(txn.code).toBe(status.PERMISSION_DENIED);
    const many = await call<{ entries: Array<{ value: string }> }>((cb) =>
      c.GetMany({ keys: ['g/guarded'] }, bearer(reader.token), cb),
    );
    expect(many.entries.map((e) => e.value)).toEqual(['original']);
    expect(await get('g/guarded')).toMatchObject({ value: 'original', version: first.version });
  });

  it('writes one audit line per write with the token id, key, version and outcome', async () => {
    audit.length = 0;
    const written = await call<{ version: string }>((cb) =>
      c.Put({ key: 'g/audited', value: 'v' }, bearer(writer.token), cb),
    );
    await callError((cb) => c.Delete({ key: 'g/audited' }, bearer(reader.token), cb));
    await get('g/audited');
    expect(audit).toEqual([
      expect.objectContaining({
        name: 'audit',
        tokenId: 'ci',
        op: 'put',
        keys: ['g/audited'],
        version: written.version,
        outcome: expect.stringMatching(/^(accepted|applied)$/),
        via: 'grpc',
        address: '127.0.0.1',
      }),
      expect.objectContaining({
        tokenId: 'dashboard',
        op: 'delete',
        keys: ['g/audited'],
        outcome: 'refused',
        code: 'KV_ERR_PERMISSION_DENIED',
      }),
    ]);
  });

  it('kverse kv sends --token with every call', async () => {
    const io = captureIo();
    await buildKvCommand(io).parseAsync(['--addr', h.server.address, '--token', writer.token, 'put', 'g/cli', 'v'], {
      from: 'user',
    });
    expect(io.stdout()).toMatch(/^OK version=\d+/);
    expect(await get('g/cli')).toMatchObject({ value: 'v' });
  });

  it('keeps health open', async () => {
    const health = await new Promise<{ status: number }>((resolve, reject) => {
      c.makeUnaryRequest(
        '/grpc.health.v1.Health/Check',
        (b: Buffer) => b,
        (b: Buffer) => ({ status: b[1] ?? 0 }),
        Buffer.alloc(0),
        (err, value) => (err ? reject(err) : resolve(value as { status: number })),
      );
    });
    expect(health.status).toBe(1); // SERVING
  });
});

describe('gRPC watches and revoked tokens', () => {
  it('ends a Watch whose token is revoked with UNAUTHENTICATED, and keeps the others', async () => {
    const access = new AccessControl({ enabled: true, tokens });
    const h = await startHarness({}, access);
    const c = kvClient(h.server.address);
    try {
      const open = async (token: string) => {
        const watch = c.Watch({ key: 'g/', prefix: true }, bearer(token));
        const ended = new Promise<ServiceError | undefined>((resolve) => {
          watch.on('error', resolve);
          watch.on('end', () => resolve(undefined));
        });
        watch.on('data', () => undefined);
        await new Promise((resolve) => watch.once('metadata', resolve));
        return { watch, ended };
      };
      const revoked = await open(reader.token);
      const kept = await open(writer.token);
      access.replaceTokens(parseTokenEntries(writer.entry, 'test'));
      const err = await revoked.ended;
      expect(err?.code).toBe(status.UNAUTHENTICATED);
      expect(h.server.service.watchCount).toBe(1);
      kept.watch.cancel();
    } finally {
      c.close();
      await h.close();
    }
  });
});

describe('gRPC rate limits', () => {
  it('answers RESOURCE_EXHAUSTED with a retry-after trailer once a token spends its burst', async () => {
    let now = 0;
    const h = await startHarness(
      {},
      new AccessControl({ enabled: true, tokens, perToken: new KeyedRateLimiter(1, 2, 100), now: () => now }),
    );
    const c = kvClient(h.server.address);
    try {
      const put = (value: string) => (cb: Parameters<typeof c.Put>[2]) =>
        c.Put({ key: 'g/limited', value, waitApplied: true }, bearer(writer.token), cb);
      await call(put('1'));
      await call(put('2'));
      const limited = await callError(put('3'));
      expect(limited.code).toBe(status.RESOURCE_EXHAUSTED);
      expect(limited.metadata.get('retry-after')).toEqual(['1']);
      expect(limited.metadata.get(ERROR_CODE_TRAILER)).toEqual(['KV_ERR_RATE_LIMITED']);
      expect(
        await call<{ value: string }>((cb) => c.Get({ key: 'g/limited' }, bearer(reader.token), cb)),
      ).toMatchObject({ value: '2' });
      now = 1000;
      await call(put('4'));
    } finally {
      c.close();
      await h.close();
    }
  });
});

describe('GRPC_KV_AUTH_TOKEN', () => {
  it('is refused at start-up, pointing at KVERSE_AUTH_TOKENS', async () => {
    await expect(startHarness({ GRPC_KV_AUTH_TOKEN: 's3cret-token' })).rejects.toThrow(ConfigError);
    await expect(startHarness({ GRPC_KV_AUTH_TOKEN: 's3cret-token' })).rejects.toThrow(/KVERSE_AUTH_TOKENS/);
  });
});

describe('peerAddress', () => {
  it.each([
    ['127.0.0.1:5000', '127.0.0.1'],
    ['[::1]:5000', '::1'],
    ['ipv4:10.1.2.3:443', '10.1.2.3'],
    ['unix:/tmp/socket', 'unix:/tmp/socket'],
  ])('%s → %s', (peer, address) => {
    expect(peerAddress(peer)).toBe(address);
  });
});
