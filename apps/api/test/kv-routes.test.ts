import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestApi, type TestApi } from './helpers.js';

let api: TestApi;
beforeEach(async () => {
  api = await openTestApi();
});
afterEach(async () => {
  await api.close();
});

describe('seed 001 routes', () => {
  it('serves the seed examples: PUT /, GET /?key=, DELETE /?key_name=', async () => {
    const put = await api.app.inject({
      method: 'PUT',
      url: '/',
      headers: { 'content-type': 'application/json' },
      payload: '{"key_name":"teste", "key_value":"valor"}',
    });
    expect(put.statusCode).toBe(202);
    expect(put.json()).toMatchObject({ key: 'teste', status: 'applied' });
    expect(put.json().version).toMatch(/^[0-9]+$/);

    const get = await api.app.inject({ method: 'GET', url: '/?key=teste' });
    expect(get.statusCode).toBe(200);
    expect(get.json()).toMatchObject({ key: 'teste', value: 'valor', version: put.json().version });

    const del = await api.app.inject({ method: 'DELETE', url: '/?key_name=teste' });
    expect(del.statusCode).toBe(202);
    expect(BigInt(del.json().version)).toBeGreaterThan(BigInt(put.json().version));

    const gone = await api.app.inject({ method: 'GET', url: '/?key=teste' });
    expect(gone.statusCode).toBe(404);
    expect(gone.json().error.code).toBe('KV_ERR_NOT_FOUND');
  });

  it('answers exactly like /kv for the same key', async () => {
    await api.app.inject({ method: 'PUT', url: '/kv', payload: { key: 'shared', value: 'v1' } });
    const viaLegacy = await api.app.inject({ method: 'GET', url: '/?key=shared' });
    const viaKv = await api.app.inject({ method: 'GET', url: '/kv?key=shared' });
    expect(viaLegacy.json()).toEqual(viaKv.json());
  });

  it('sends browsers without a key to the web UI', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/', headers: { accept: 'text/html' } });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('/ui/');
  });
});

describe('/kv routes', () => {
  it('puts, gets, overwrites with a higher version and deletes', async () => {
    const first = await api.app.inject({ method: 'PUT', url: '/kv', payload: { key: 'a', value: '1' } });
    const second = await api.app.inject({ method: 'PUT', url: '/kv', payload: { key: 'a', value: '2' } });
    expect(BigInt(second.json().version)).toBeGreaterThan(BigInt(first.json().version));
    const got = (await api.app.inject({ method: 'GET', url: '/kv?key=a' })).json();
    expect(got).toMatchObject({ key: 'a', value: '2', version: second.json().version });
    expect(Date.parse(got.createdAt)).toBeLessThanOrEqual(Date.parse(got.updatedAt));

    const del = await api.app.inject({ method: 'DELETE', url: '/kv?key=a' });
    expect(del.statusCode).toBe(202);
    expect((await api.app.inject({ method: 'GET', url: '/kv?key=a' })).statusCode).toBe(404);
    const again = await api.app.inject({ method: 'DELETE', url: '/kv?key=a' });
    expect(again.statusCode).toBe(404);
  });

  it('answers 200 once applied with ?wait=applied', async () => {
    const res = await api.app.inject({ method: 'PUT', url: '/kv?wait=applied', payload: { key: 'ryw', value: 'x' } });
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('applied');
    const del = await api.app.inject({ method: 'DELETE', url: '/kv?key=ryw&wait=applied' });
    expect(del.statusCode).toBe(200);
  });

  it('stores unicode keys and values exactly', async () => {
    const key = 'chave/ção/😀';
    const value = '{"olá": "mundo"}\n\ttabs';
    await api.app.inject({ method: 'PUT', url: '/kv', payload: { key, value } });
    const res = await api.app.inject({ method: 'GET', url: `/kv?key=${encodeURIComponent(key)}` });
    expect(res.json()).toMatchObject({ key, value });
  });

  it('lists by prefix in byte order and pages with a cursor over every key exactly once', async () => {
    const keys = Array.from({ length: 25 }, (_, i) => `user/${String(i).padStart(2, '0')}`);
    for (const key of [...keys, 'other/x', 'user']) {
      await api.app.inject({ method: 'PUT', url: '/kv', payload: { key, value: key } });
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const qs = new URLSearchParams({ prefix: 'user/', limit: '10', ...(cursor ? { cursor } : {}) });
      const body = (await api.app.inject({ method: 'GET', url: `/kv?${qs}` })).json();
      seen.push(...body.items.map((i: { key: string }) => i.key));
      cursor = body.cursor;
      if (!cursor) break;
    }
    expect(seen).toEqual(keys);
  });

  it('rejects a cursor it did not make', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/kv?cursor=bogus!' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('KV_ERR_INVALID_CURSOR');
  });
});

describe('operations endpoints', () => {
  it('reports health, readiness, metrics and OpenAPI', async () => {
    expect((await api.app.inject('/health')).json()).toEqual({ status: 'ok' });
    const ready = await api.app.inject('/ready');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ready', checks: { 'log-engine': { ok: true } } });

    await api.app.inject({ method: 'PUT', url: '/kv', payload: { key: 'm', value: 'v' } });
    const metrics = (await api.app.inject('/metrics')).body;
    expect(metrics).toMatch(/kverse_http_requests_total\{method="PUT",route="\/kv",status="202"/);
    expect(metrics).toMatch(/kverse_http_request_duration_seconds_bucket/);

    const spec = (await api.app.inject('/openapi.json')).json();
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/kv', '/kv/watch', '/', '/health', '/ready']));
    expect(spec.paths['/kv'].put.responses).toHaveProperty('202');
    const docs = await api.app.inject('/docs/');
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['content-type']).toMatch(/text\/html/);
  });

  it('reports not ready once the write path is closed', async () => {
    await api.opened.dataPlane.close();
    const ready = await api.app.inject('/ready');
    expect(ready.statusCode).toBe(503);
    expect(ready.json().status).toBe('unavailable');
  });
});
