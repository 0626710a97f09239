import { connect } from 'node:net';
import { Writable } from 'node:stream';
import {
  AccessControl,
  type AuditLog,
  createAuditLog,
  createToken,
  KeyedRateLimiter,
  parseTokenEntries,
} from '@kverse/access';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessPlugin } from '../src/plugins/access.js';
import { errorsPlugin } from '../src/plugins/errors.js';
import { openTestApi, type TestApi } from './helpers.js';

const writer = createToken('ci', 'write');
const reader = createToken('dashboard', 'read');
const tokens = parseTokenEntries(`${writer.entry},${reader.entry}`, 'test');
const bearer = (t: { token: string }) => ({ authorization: `Bearer ${t.token}` });

/** An audit log whose lines are kept, parsed. */
function capturedAudit(): { audit: AuditLog; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { audit: createAuditLog(sink), lines };
}

describe('REST access control (auth on)', () => {
  let api: TestApi;
  const { audit, lines } = capturedAudit();
  beforeAll(async () => {
    api = await openTestApi({}, { access: new AccessControl({ enabled: true, tokens, audit }) });
  });
  afterAll(() => api.close());

  const put = (key: string, value: string, headers: Record<string, string> = {}) =>
    api.app.inject({ method: 'PUT', url: '/kv?wait=applied', headers, payload: { key, value } });
  const get = (key: string) =>
    api.app.inject({ method: 'GET', url: `/kv?key=${encodeURIComponent(key)}`, headers: bearer(reader) });

  it('refuses a write without a token with 401 and WWW-Authenticate, and writes nothing', async () => {
    const res = await put('a/no-token', 'x');
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="kverse"');
    expect(res.json()).toEqual({ error: { code: 'KV_ERR_UNAUTHENTICATED', message: expect.any(String) } });
    expect((await get('a/no-token')).statusCode).toBe(404);
  });

  it('refuses a wrong or malformed token with 401 on every KV route, and writes nothing', async () => {
    for (const authorization of ['Bearer kvt_not-a-token', `Basic ${writer.token}`, 'Bearer']) {
      expect((await put('a/wrong', 'x', { authorization })).statusCode).toBe(401);
    }
    const wrong = { authorization: 'Bearer kvt_not-a-token' };
    const calls = [
      { method: 'GET' as const, url: '/kv?key=a' },
      { method: 'GET' as const, url: '/kv' },
      { method: 'DELETE' as const, url: '/kv?key=a' },
      { method: 'GET' as const, url: '/?key=a' },
      { method: 'PUT' as const, url: '/', payload: { key_name: 'a/wrong', key_value: 'x' } },
      { method: 'DELETE' as const, url: '/?key_name=a' },
      { method: 'GET' as const, url: '/kv/watch?key=a' },
    ];
    for (const call of calls) {
      const res = await api.app.inject({ ...call, headers: wrong });
      expect(res.statusCode, `${call.method} ${call.url}`).toBe(401);
    }
    expect((await get('a/wrong')).statusCode).toBe(404);
  });

  it('a read token reads but cannot write (403), and the key keeps its value', async () => {
    const first = await put('a/guarded', 'original', bearer(writer));
    expect(first.statusCode).toBe(200);
    const denied = await put('a/guarded', 'changed', bearer(reader));
    expect(denied.statusCode).toBe(403);
    expect(denied.headers['www-authenticate']).toContain('insufficient_scope');
    expect(denied.json().error.code).toBe('KV_ERR_PERMISSION_DENIED');
    const legacyDelete = await api.app.inject({
      method: 'DELETE',
      url: '/?key_name=a/guarded',
      headers: bearer(reader),
    });
    expect(legacyDelete.statusCode).toBe(403);
    const read = await get('a/guarded');
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({ value: 'original', version: first.json().version });
  });

  it('writes one audit line per write with the token id, key, version and outcome', async () => {
    lines.length = 0;
    const ok = await put('a/audited', 'v', bearer(writer));
    const deleted = await api.app.inject({ method: 'DELETE', url: '/kv?key=a/audited', headers: bearer(writer) });
    await put('a/audited', 'v', bearer(reader));
    await api.app.inject({ method: 'DELETE', url: '/kv?key=a/audited' });
    await get('a/audited'); // reads are not audited
    expect(lines).toEqual([
      expect.objectContaining({
        name: 'audit',
        tokenId: 'ci',
        op: 'put',
        keys: ['a/audited'],
        version: ok.json().version,
        outcome: 'applied',
        via: 'rest',
      }),
      expect.objectContaining({
        tokenId: 'ci',
        op: 'delete',
        keys: ['a/audited'],
        version: deleted.json().version,
        // The embedded data plane applies before it answers, so even without ?wait=applied.
        outcome: 'applied',
      }),
      // A refused body is never read, so its key is unknown; a refused DELETE names its key from the query.
      expect.objectContaining({
        tokenId: 'dashboard',
        op: 'put',
        keys: [],
        outcome: 'refused',
        code: 'KV_ERR_PERMISSION_DENIED',
      }),
      expect.objectContaining({
        tokenId: 'anonymous',
        op: 'delete',
        keys: ['a/audited'],
        outcome: 'refused',
        code: 'KV_ERR_UNAUTHENTICATED',
      }),
    ]);
    expect(lines.every((l) => !JSON.stringify(l).includes(writer.token))).toBe(true);
  });

  it('audits a write whose client hung up before the answer (the write is still made)', async () => {
    lines.length = 0;
    const { port } = (await api.app.listen({ port: 0, host: '127.0.0.1' }).then(() => api.app.server.address())) as {
      port: number;
    };
    const body = JSON.stringify({ key: 'a/hung-up', value: 'v' });
    const socket = connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      `PUT /kv?wait=applied HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${writer.token}\r\n` +
        `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    // A reset right behind the request: the server takes the request, then finds the connection gone before it
    // answers (the write is applied a turn later).
    socket.resetAndDestroy();
    for (let i = 0; i < 100 && (await get('a/hung-up')).statusCode !== 200; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect((await get('a/hung-up')).statusCode).toBe(200);
    for (let i = 0; i < 50 && lines.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(lines).toEqual([expect.objectContaining({ tokenId: 'ci', op: 'put', keys: ['a/hung-up'], via: 'rest' })]);
  });

  it('scopes transactions as writes and bulk gets as reads, and audits a transaction with its keys', async () => {
    const txn = (headers: Record<string, string>) =>
      api.app.inject({
        method: 'POST',
        url: '/kv/txn',
        headers,
        payload: {
          operations: [
            { op: 'put', key: 't/a', value: '1' },
            { op: 'put', key: 't/b', value: '2' },
          ],
        },
      });
    lines.length = 0;
    expect((await txn({})).statusCode).toBe(401);
    expect((await txn(bearer(reader))).statusCode).toBe(403);
    const bulk = () =>
      api.app.inject({ method: 'POST', url: '/kv/get', headers: bearer(reader), payload: { keys: ['t/a', 't/b'] } });
    expect((await bulk()).json().items).toEqual([null, null]);
    const ok = await txn(bearer(writer));
    expect(ok.statusCode).toBe(202);
    expect((await bulk()).json().items.map((i: { value: string }) => i.value)).toEqual(['1', '2']);
    expect(lines.at(-1)).toEqual(
      expect.objectContaining({ tokenId: 'ci', op: 'txn', keys: ['t/a', 't/b'], version: ok.json().version }),
    );
    expect(lines.filter((l) => l.outcome === 'refused')).toHaveLength(2);
  });

  it('audits a failed write with its error code', async () => {
    lines.length = 0;
    const res = await api.app.inject({ method: 'DELETE', url: '/kv?key=a/never-written', headers: bearer(writer) });
    expect(res.statusCode).toBe(404);
    expect(lines).toEqual([
      expect.objectContaining({
        tokenId: 'ci',
        keys: ['a/never-written'],
        outcome: 'failed',
        code: 'KV_ERR_NOT_FOUND',
      }),
    ]);
  });

  it('sends a browser opening / to the web UI without a token, and nothing else through', async () => {
    const html = { accept: 'text/html,application/xhtml+xml' };
    const visit = await api.app.inject({ method: 'GET', url: '/', headers: html });
    expect(visit.statusCode).toBe(302);
    expect(visit.headers.location).toBe('/ui/');
    expect((await api.app.inject({ method: 'GET', url: '/' })).statusCode).toBe(401);
    expect((await api.app.inject({ method: 'GET', url: '/?key=a', headers: html })).statusCode).toBe(401);
  });

  it('leaves health, readiness, metrics and the API docs open', async () => {
    for (const url of ['/health', '/ready', '/metrics', '/openapi.json', '/docs/', '/docs/json']) {
      const res = await api.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
    }
  });

  it('takes the token as ?access_token= on the SSE watch only', async () => {
    const sse = await api.app.inject({ method: 'GET', url: '/kv/watch?key=a&access_token=kvt_wrong' });
    expect(sse.statusCode).toBe(401);
    const other = await api.app.inject({ method: 'GET', url: `/kv?key=a/guarded&access_token=${reader.token}` });
    expect(other.statusCode).toBe(401);
    // A good token opens the stream (payloadAsStream: the stream never ends on its own).
    const open = await api.app.inject({
      method: 'GET',
      url: `/kv/watch?key=a&access_token=${reader.token}`,
      payloadAsStream: true,
    });
    expect(open.statusCode).toBe(200);
    expect(open.headers['content-type']).toContain('text/event-stream');
    open.stream().destroy();
  });
});

describe('REST watches and revoked tokens', () => {
  it('ends a watch whose token is revoked with a KV_ERR_UNAUTHENTICATED error event, and keeps the others', async () => {
    const access = new AccessControl({ enabled: true, tokens });
    const api = await openTestApi({}, { access });
    try {
      const open = async (token: string) => {
        const res = await api.app.inject({
          method: 'GET',
          url: `/kv/watch?prefix=&access_token=${token}`,
          payloadAsStream: true,
        });
        expect(res.statusCode).toBe(200);
        let text = '';
        let ended = false;
        const stream = res.stream();
        stream.on('data', (chunk: Buffer) => {
          text += chunk.toString();
        });
        stream.on('end', () => {
          ended = true;
        });
        return { text: () => text, ended: () => ended, close: () => stream.destroy() };
      };
      const revoked = await open(reader.token);
      const kept = await open(writer.token);
      // The rotated tokens file no longer has the read token.
      access.replaceTokens(parseTokenEntries(writer.entry, 'test'));
      for (let i = 0; i < 100 && !revoked.ended(); i++) await new Promise((r) => setTimeout(r, 10));
      expect(revoked.ended()).toBe(true);
      expect(revoked.text()).toContain('event: error');
      expect(revoked.text()).toContain('KV_ERR_UNAUTHENTICATED');
      expect(kept.ended()).toBe(false);
      kept.close();
    } finally {
      await api.close();
    }
  });
});

describe('REST rate limits', () => {
  it('answers 429 with Retry-After once a token spends its burst, before anything is written', async () => {
    let now = 0;
    const api = await openTestApi(
      {},
      {
        access: new AccessControl({ enabled: true, tokens, perToken: new KeyedRateLimiter(1, 2, 100), now: () => now }),
      },
    );
    try {
      const put = (value: string) =>
        api.app.inject({
          method: 'PUT',
          url: '/kv?wait=applied',
          headers: bearer(writer),
          payload: { key: 'r', value },
        });
      expect((await put('1')).statusCode).toBe(200);
      expect((await put('2')).statusCode).toBe(200);
      const limited = await put('3');
      expect(limited.statusCode).toBe(429);
      expect(limited.headers['retry-after']).toBe('1');
      expect(limited.json().error.code).toBe('KV_ERR_RATE_LIMITED');
      // Another token is not held back by this one's bucket.
      const other = await api.app.inject({ method: 'GET', url: '/kv?key=r', headers: bearer(reader) });
      expect(other.json().value).toBe('2');
      now = 1000;
      expect((await put('4')).statusCode).toBe(200);
    } finally {
      await api.close();
    }
  });

  it('limits each client address, with auth off too', async () => {
    const api = await openTestApi(
      {},
      {
        access: new AccessControl({
          enabled: false,
          tokens: [],
          perAddress: new KeyedRateLimiter(0.5, 1, 100),
          now: () => 0,
        }),
      },
    );
    try {
      const get = (remoteAddress: string) => api.app.inject({ method: 'GET', url: '/kv', remoteAddress });
      expect((await get('10.0.0.1')).statusCode).toBe(200);
      const limited = await get('10.0.0.1');
      expect(limited.statusCode).toBe(429);
      expect(limited.headers['retry-after']).toBe('2');
      expect((await get('10.0.0.2')).statusCode).toBe(200);
      // Probes are never limited.
      expect((await api.app.inject({ method: 'GET', url: '/health', remoteAddress: '10.0.0.1' })).statusCode).toBe(200);
    } finally {
      await api.close();
    }
  });
});

describe('REST routes declare their access', () => {
  it('refuses to start when a route says nothing', async () => {
    const app = Fastify();
    await app.register(errorsPlugin);
    await app.register(accessPlugin, { access: AccessControl.open() });
    app.get('/declared', { config: { access: 'public' } }, async () => 'ok');
    app.get('/forgotten', async () => 'oops');
    await expect(app.ready()).rejects.toThrow(
      "routes without config.access ('public', 'read' or 'write'): GET /forgotten",
    );
  });

  it('with auth off every route answers without a token', async () => {
    const api = await openTestApi();
    try {
      const res = await api.app.inject({ method: 'PUT', url: '/kv', payload: { key: 'k', value: 'v' } });
      expect(res.statusCode).toBe(202);
    } finally {
      await api.close();
    }
  });
});
