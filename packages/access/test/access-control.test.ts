import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { isKvError, type KvError } from '@kverse/kv-core';
import { ConfigError, createLogger, parseConfig } from '@kverse/runtime';
import { afterAll, describe, expect, it } from 'vitest';
import { AccessControl, openAccessControl, watchTokensFile } from '../src/access-control.js';
import { AuditLog, createAuditLog } from '../src/audit-log.js';
import { accessConfigSpec } from '../src/config.js';
import { KeyedRateLimiter } from '../src/rate-limiter.js';
import { createToken, parseTokenEntries } from '../src/tokens.js';

const writer = createToken('ci', 'write');
const reader = createToken('dashboard', 'read');
const tokens = parseTokenEntries(`${writer.entry},${reader.entry}`, 'test');

function refusal(fn: () => unknown): KvError {
  try {
    fn();
  } catch (err) {
    if (isKvError(err)) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('AccessControl', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('with auth on: no token, a wrong token and a malformed header are unauthenticated', () => {
    const access = new AccessControl({ enabled: true, tokens });
    const ask = (authorization: string | undefined) => () =>
      access.check({ need: 'read', authorization, address: '10.0.0.1' });
    expect(refusal(ask(undefined)).code).toBe('KV_ERR_UNAUTHENTICATED');
    expect(refusal(ask('Bearer kvt_wrong')).code).toBe('KV_ERR_UNAUTHENTICATED');
    expect(refusal(ask(`Basic ${writer.token}`)).code).toBe('KV_ERR_UNAUTHENTICATED');
    expect(ask(`Bearer ${writer.token}`)()).toBe('ci');
  });

  it('a read token may read but not write', () => {
    const access = new AccessControl({ enabled: true, tokens });
    const authorization = `Bearer ${reader.token}`;
    expect(access.check({ need: 'read', authorization, address: 'a' })).toBe('dashboard');
    const denied = refusal(() => access.check({ need: 'write', authorization, address: 'a' }));
    expect(denied.code).toBe('KV_ERR_PERMISSION_DENIED');
    expect(denied.httpStatus).toBe(403);
    expect(denied.grpcStatus).toBe('PERMISSION_DENIED');
  });

  it('public calls need nothing, even with auth on', () => {
    const access = new AccessControl({ enabled: true, tokens });
    expect(access.check({ need: 'public', authorization: undefined, address: 'a' })).toBe('anonymous');
  });

  it('with auth off everyone is anonymous, and only the address limit applies', () => {
    let now = 0;
    const access = new AccessControl({
      enabled: false,
      tokens: [],
      perAddress: new KeyedRateLimiter(1, 2, 100),
      now: () => now,
    });
    const ask = () => access.check({ need: 'write', authorization: undefined, address: '10.0.0.9' });
    expect(ask()).toBe('anonymous');
    expect(ask()).toBe('anonymous');
    const limited = refusal(ask);
    expect(limited.code).toBe('KV_ERR_RATE_LIMITED');
    expect(limited.retryAfterSeconds).toBe(1);
    now = 1000;
    expect(ask()).toBe('anonymous');
  });

  it('limits an IPv6 client by its /64 and an IPv4 client in IPv6 form as the IPv4 address', () => {
    const access = new AccessControl({
      enabled: false,
      tokens: [],
      perAddress: new KeyedRateLimiter(1, 2, 100),
      now: () => 0,
    });
    const from = (address: string) => () => access.check({ need: 'read', authorization: undefined, address });
    // Three source addresses of one /64 share one bucket of 2.
    expect(from('2001:db8:1:2::1')()).toBe('anonymous');
    expect(from('2001:db8:1:2:ffff::9')()).toBe('anonymous');
    expect(refusal(from('2001:0db8:0001:0002:0:0:0:77')).code).toBe('KV_ERR_RATE_LIMITED');
    // Another /64 has its own.
    expect(from('2001:db8:1:3::1')()).toBe('anonymous');
    expect(from('10.0.0.7')()).toBe('anonymous');
    expect(from('::ffff:10.0.0.7')()).toBe('anonymous');
    expect(refusal(from('10.0.0.7')).code).toBe('KV_ERR_RATE_LIMITED');
  });

  it('limits each token on its own bucket', () => {
    const access = new AccessControl({
      enabled: true,
      tokens,
      perToken: new KeyedRateLimiter(1, 1, 100),
      now: () => 0,
    });
    const ask = (t: string, address: string) => () =>
      access.check({ need: 'read', authorization: `Bearer ${t}`, address });
    expect(ask(writer.token, 'a')()).toBe('ci');
    // Another address does not help: the bucket is the token's.
    const limited = refusal(ask(writer.token, 'b'));
    expect(limited.code).toBe('KV_ERR_RATE_LIMITED');
    expect(limited.httpStatus).toBe(429);
    expect(ask(reader.token, 'a')()).toBe('dashboard');
  });

  it('refuses to start with auth on and no token', () => {
    expect(() => new AccessControl({ enabled: true, tokens: [] })).toThrow(ConfigError);
    const config = parseConfig(accessConfigSpec, { KVERSE_AUTH_ENABLED: 'true' });
    expect(() => openAccessControl(config)).toThrow(/KVERSE_AUTH_TOKENS/);
  });

  it('reads tokens from the environment and from a Secret file, and refuses a bad entry naming where it is', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kverse-access-'));
    dirs.push(dir);
    const file = join(dir, 'tokens');
    await writeFile(file, `# mounted Secret\n${reader.entry}\n`);
    const access = openAccessControl(
      parseConfig(accessConfigSpec, {
        KVERSE_AUTH_ENABLED: 'on',
        KVERSE_AUTH_TOKENS: writer.entry,
        KVERSE_AUTH_TOKENS_FILE: file,
      }),
    );
    expect(access.check({ need: 'write', authorization: `Bearer ${writer.token}`, address: 'a' })).toBe('ci');
    expect(access.check({ need: 'read', authorization: `Bearer ${reader.token}`, address: 'a' })).toBe('dashboard');
    expect(access.audit).toBeDefined();

    await writeFile(file, 'ci:owner:00\n');
    expect(() =>
      openAccessControl(parseConfig(accessConfigSpec, { KVERSE_AUTH_ENABLED: 'on', KVERSE_AUTH_TOKENS_FILE: file })),
    ).toThrow(`KVERSE_AUTH_TOKENS_FILE ${file} entry 1 (ci): scope must be read or write`);
    expect(() =>
      openAccessControl(
        parseConfig(accessConfigSpec, { KVERSE_AUTH_ENABLED: 'on', KVERSE_AUTH_TOKENS_FILE: join(dir, 'none') }),
      ),
    ).toThrow(ConfigError);
  });

  it('puts a rotated tokens file in force without a restart, and keeps the tokens in force when the new file is bad', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kverse-access-'));
    dirs.push(dir);
    const file = join(dir, 'tokens');
    const rotated = createToken('ci-2', 'write');
    await writeFile(file, `${writer.entry}\n`);
    const config = parseConfig(accessConfigSpec, { KVERSE_AUTH_ENABLED: 'on', KVERSE_AUTH_TOKENS_FILE: file });
    const access = openAccessControl(config);
    const lines: Array<{ level: number; msg: string }> = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    const stop = watchTokensFile(access, config, createLogger({ name: 't', level: 'info', destination: sink }), 20);
    const accepted = (t: { token: string }) =>
      !access.decide({ need: 'write', authorization: `Bearer ${t.token}`, address: 'a' }).refusal;
    const eventually = (what: () => boolean) => expect.poll(what, { timeout: 5000, interval: 20 }).toBe(true);
    try {
      expect(accepted(writer)).toBe(true);
      // The way a Secret volume updates: a new file renamed over the old one.
      await writeFile(`${file}.new`, `${rotated.entry}\n`);
      await rename(`${file}.new`, file);
      await eventually(() => accepted(rotated));
      // The old token is revoked at once, even though it had been accepted (and remembered) before.
      expect(accepted(writer)).toBe(false);

      await writeFile(`${file}.new`, 'ci:owner:00\n');
      await rename(`${file}.new`, file);
      await eventually(() => lines.some((l) => l.level === 50));
      expect(lines.find((l) => l.level === 50)?.msg).toMatch(/cannot be used; the previous tokens stay/);
      expect(accepted(rotated)).toBe(true);
    } finally {
      stop();
    }
  });

  it('audits only when asked or when auth is on', () => {
    expect(openAccessControl(parseConfig(accessConfigSpec, {})).audit).toBeUndefined();
    expect(openAccessControl(parseConfig(accessConfigSpec, { KVERSE_AUDIT_LOG: 'on' })).audit).toBeInstanceOf(AuditLog);
  });
});

describe('AuditLog', () => {
  it('writes one JSON line per write with the token id, keys, version and outcome', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    createAuditLog(sink).record({
      tokenId: 'ci',
      op: 'put',
      keys: ['a/b'],
      version: '42',
      outcome: 'accepted',
      via: 'rest',
      address: '127.0.0.1',
    });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 30,
      name: 'audit',
      tokenId: 'ci',
      op: 'put',
      keys: ['a/b'],
      version: '42',
      outcome: 'accepted',
      via: 'rest',
      msg: 'write accepted',
    });
  });
});
