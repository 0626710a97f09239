import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { AccessControl, createAuditLog, createToken, KeyedRateLimiter, parseTokenEntries } from '@kverse/access';
import type { RunningConsumer } from '@kverse/consumer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiNode, requireServices, startApiNode, startInProcessConsumer, storedVersions } from './cluster.js';

const writer = createToken('ci', 'write');
const reader = createToken('dashboard', 'read');
const tokens = parseTokenEntries(`${writer.entry}\n${reader.entry}`, 'test');

// The real REST API over real PostgreSQL, RabbitMQ and Redis with a real consumer, with auth on: refused writes never
// reach the queue, so the database never sees them.
describe('REST access control on the distributed data plane', () => {
  const run = randomBytes(4).toString('hex');
  const audit: Array<Record<string, unknown>> = [];
  let consumer: RunningConsumer;
  let node: ApiNode;
  let limitedNode: ApiNode;

  beforeAll(async () => {
    await requireServices();
    consumer = await startInProcessConsumer();
    const sink = new Writable({
      write(chunk, _enc, done) {
        audit.push(JSON.parse(String(chunk)) as Record<string, unknown>);
        done();
      },
    });
    node = await startApiNode(undefined, {
      access: new AccessControl({ enabled: true, tokens, audit: createAuditLog(sink) }),
    });
    limitedNode = await startApiNode(undefined, {
      access: new AccessControl({ enabled: true, tokens, perToken: new KeyedRateLimiter(0.2, 3, 100) }),
    });
  });
  afterAll(async () => {
    await node?.close();
    await limitedNode?.close();
    await consumer?.close();
  });

  const put = (base: string, key: string, value: string, token?: string) =>
    fetch(`${base}/kv?wait=applied`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ key, value }),
    });
  const read = async (key: string) => {
    const res = await fetch(`${node.url}/kv?key=${encodeURIComponent(key)}`, {
      headers: { authorization: `Bearer ${reader.token}` },
    });
    return res.status === 200 ? ((await res.json()) as { value: string; version: string }) : res.status;
  };

  it('refuses writes without a token or with a wrong one (401), and nothing reaches the database', async () => {
    const key = `${run}/refused`;
    const none = await put(node.url, key, 'x');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('KV_ERR_UNAUTHENTICATED');
    expect((await put(node.url, key, 'x', 'kvt_guessed')).status).toBe(401);
    // A legitimate write to another key goes through the same queue and is applied; the refused key never was.
    expect((await put(node.url, `${run}/after`, 'y', writer.token)).status).toBe(200);
    expect(await storedVersions([key, `${run}/after`])).toEqual(new Map([[`${run}/after`, expect.any(BigInt)]]));
    expect(await read(key)).toBe(404);
  });

  it('a read-only token cannot write (403): the key keeps its value and version', async () => {
    const key = `${run}/guarded`;
    const first = (await (await put(node.url, key, 'original', writer.token)).json()) as { version: string };
    const denied = await put(node.url, key, 'changed', reader.token);
    expect(denied.status).toBe(403);
    const del = await fetch(`${node.url}/kv?key=${encodeURIComponent(key)}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${reader.token}` },
    });
    expect(del.status).toBe(403);
    expect(await read(key)).toMatchObject({ value: 'original', version: first.version });
    expect(await storedVersions([key])).toEqual(new Map([[key, BigInt(first.version)]]));
  });

  it('audits each write with the token id, key and version', async () => {
    const key = `${run}/audited`;
    audit.length = 0;
    const written = (await (await put(node.url, key, 'v', writer.token)).json()) as { version: string };
    await put(node.url, key, 'w', reader.token);
    expect(audit).toEqual([
      expect.objectContaining({ tokenId: 'ci', op: 'put', keys: [key], version: written.version, outcome: 'applied' }),
      expect.objectContaining({
        tokenId: 'dashboard',
        op: 'put',
        outcome: 'refused',
        code: 'KV_ERR_PERMISSION_DENIED',
      }),
    ]);
  });

  it('answers 429 with Retry-After once a token spends its burst, and the refused write is not applied', async () => {
    const key = `${run}/limited`;
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await put(limitedNode.url, key, `v${i}`, writer.token));
    const statuses = answers.map((a) => a.status);
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses.slice(3)).toEqual([429, 429]);
    // 0.2 requests a second: the next one is at most 5 s away.
    expect(answers[3]!.headers.get('retry-after')).toMatch(/^[1-5]$/);
    expect(await read(key)).toMatchObject({ value: 'v2' });
  });
});
