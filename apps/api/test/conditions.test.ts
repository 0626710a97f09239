import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestApi, type TestApi } from './helpers.js';

// Conditional writes, TTL, transactions and bulk get on the embedded data plane, where a write is applied before its
// answer: a failed condition is a 412 even without ?wait=applied. The distributed path is covered in
// test/integration/conditions.test.ts.
let api: TestApi;
beforeEach(async () => {
  api = await openTestApi({ KVERSE_EXPIRY_SWEEP_MS: '50' });
});
afterEach(async () => {
  await api.close();
});

const put = (key: string, value: string, headers: Record<string, string> = {}, extra: object = {}) =>
  api.app.inject({ method: 'PUT', url: '/kv', headers, payload: { key, value, ...extra } });

describe('conditional writes (embedded)', () => {
  it('answers every write and read with the version as ETag, and If-Match takes it back', async () => {
    const first = await put('k', 'v1');
    expect(first.headers.etag).toBe(`"${first.json().version}"`);
    const read = await api.app.inject({ method: 'GET', url: '/kv?key=k' });
    expect(read.headers.etag).toBe(first.headers.etag);

    const next = await put('k', 'v2', { 'if-match': String(read.headers.etag) });
    expect(next.statusCode).toBe(202);
    expect(next.json().status).toBe('applied');
    const stale = await put('k', 'v3', { 'if-match': String(read.headers.etag) });
    expect(stale.statusCode).toBe(412);
    expect(stale.json().error.code).toBe('KV_ERR_PRECONDITION_FAILED');
    expect((await api.app.inject({ method: 'GET', url: '/kv?key=k' })).json().value).toBe('v2');

    // Bare versions work too; a conditional delete of a stale version keeps the key.
    const staleDelete = await api.app.inject({
      method: 'DELETE',
      url: '/kv?key=k',
      headers: { 'if-match': first.json().version },
    });
    expect(staleDelete.statusCode).toBe(412);
    const del = await api.app.inject({
      method: 'DELETE',
      url: '/kv?key=k',
      headers: { 'if-match': next.json().version },
    });
    expect(del.statusCode).toBe(202);
    expect((await api.app.inject({ method: 'GET', url: '/kv?key=k' })).statusCode).toBe(404);
  });

  it('honours conditions on the seed 001 routes too (PUT / and DELETE /), never ignoring one', async () => {
    const legacyPut = (value: string, headers: Record<string, string>) =>
      api.app.inject({ method: 'PUT', url: '/', headers, payload: { key_name: 'legacy', key_value: value } });
    const first = await legacyPut('v1', { 'if-none-match': '*' });
    expect(first.statusCode).toBe(202);
    expect((await legacyPut('v2', { 'if-none-match': '*' })).statusCode).toBe(412);
    expect((await legacyPut('v2', { 'if-match': '"1"' })).statusCode).toBe(412);
    const staleDelete = await api.app.inject({
      method: 'DELETE',
      url: '/?key_name=legacy',
      headers: { 'if-match': '1' },
    });
    expect(staleDelete.statusCode).toBe(412);
    expect((await api.app.inject({ method: 'GET', url: '/?key=legacy' })).json().value).toBe('v1');
    const del = await api.app.inject({
      method: 'DELETE',
      url: '/?key_name=legacy',
      headers: { 'if-match': first.json().version },
    });
    expect(del.statusCode).toBe(202);
  });

  it('If-None-Match: * creates only', async () => {
    expect((await put('c', '1', { 'if-none-match': '*' })).statusCode).toBe(202);
    expect((await put('c', '2', { 'if-none-match': '*' })).statusCode).toBe(412);
    expect((await api.app.inject({ method: 'GET', url: '/kv?key=c' })).json().value).toBe('1');
  });
});

describe('TTL (embedded)', () => {
  it('expires a key: reads and lists drop it at once, and the sweep deletes it for watchers', async () => {
    const events: string[] = [];
    const sub = api.opened.dataPlane.watch({ key: 't' }, { write: (m) => events.push(m.op) > 0, end: () => {} });
    const written = await put('t', 'brief', {}, { ttl: 1 });
    expect(written.statusCode).toBe(202);
    const expiresAt = Date.parse(written.json().expiresAt);
    expect(expiresAt - Date.now()).toBeGreaterThan(500);
    expect((await api.app.inject({ method: 'GET', url: '/kv?key=t' })).json().expiresAt).toBe(written.json().expiresAt);
    while (Date.now() <= expiresAt) await new Promise((r) => setTimeout(r, 20));
    expect((await api.app.inject({ method: 'GET', url: '/kv?key=t' })).statusCode).toBe(404);
    expect((await api.app.inject({ method: 'GET', url: '/kv?prefix=t' })).json().items).toEqual([]);
    const deadline = Date.now() + 5000;
    while (!events.includes('delete') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    sub.close();
    expect(events).toEqual(['put', 'delete']);
  });
});

describe('transactions and bulk get (embedded)', () => {
  it('applies all or nothing and reads back in one call', async () => {
    const base = await put('a', '1');
    const ok = await api.app.inject({
      method: 'POST',
      url: '/kv/txn',
      payload: {
        compares: [
          { key: 'a', version: base.json().version },
          { key: 'b', absent: true },
        ],
        operations: [
          { op: 'put', key: 'b', value: '2' },
          { op: 'delete', key: 'a' },
        ],
      },
    });
    expect(ok.statusCode).toBe(202);
    expect(ok.json().status).toBe('applied');
    const failed = await api.app.inject({
      method: 'POST',
      url: '/kv/txn',
      payload: {
        compares: [{ key: 'b', absent: true }],
        operations: [
          { op: 'put', key: 'x', value: 'no' },
          { op: 'delete', key: 'b' },
        ],
      },
    });
    expect(failed.statusCode).toBe(412);
    const bulk = await api.app.inject({ method: 'POST', url: '/kv/get', payload: { keys: ['a', 'b', 'x'] } });
    expect(bulk.json().items.map((i: { value: string } | null) => i?.value ?? null)).toEqual([null, '2', null]);
    expect(bulk.json().items[1].version).toBe(ok.json().version);
  });
});
