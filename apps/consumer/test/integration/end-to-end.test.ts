import { randomBytes } from 'node:crypto';
import {
  AmqpWritePath,
  CHANGES_EXCHANGE,
  DEAD_LETTER_QUEUE,
  partitionQueue,
  REASON_HEADER,
} from '@kverse/amqp-write-path';
import type { OpenedDataPlane } from '@kverse/data-plane';
import { type Mutation, versionFromParts } from '@kverse/kv-core';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningConsumer } from '../../src/app.js';
import {
  AMQP_URL,
  logger,
  observeChanges,
  openConsumer,
  openDataPlane,
  REDIS_URL,
  requireServices,
  storedVersion,
} from './cluster.js';

// Two API-side data planes (what two apps/api replicas run) and two consumers share one dataset.
describe('distributed data plane end to end: API → RabbitMQ → consumer → PostgreSQL', () => {
  const run = randomBytes(4).toString('hex');
  let planes: OpenedDataPlane[] = [];
  let consumers: RunningConsumer[] = [];

  beforeAll(async () => {
    await requireServices();
    consumers = await Promise.all([openConsumer(), openConsumer()]);
    planes = await Promise.all([openDataPlane(), openDataPlane()]);
  });
  afterAll(async () => {
    for (const p of planes) await p.close();
    for (const c of consumers) await c.close();
  });
  const [a, b] = [() => planes[0]!.dataPlane, () => planes[1]!.dataPlane];

  it('accepts a write (202 semantics), then applies it; ?wait=applied gives read-your-writes on another replica', async () => {
    const accepted = await a().put(`${run}/x`, 'one');
    expect(accepted.applied).toBe(false);
    const applied = await a().put(`${run}/y`, 'two', { waitAppliedMs: 10_000 });
    expect(applied.applied).toBe(true);
    expect((await b().get(`${run}/y`))?.value).toBe('two');
    expect(await storedVersion(`${run}/y`)).toBe(applied.version);
  });

  it('deletes, lists by prefix, and feeds watchers on every replica', async () => {
    const seen: Mutation[] = [];
    const sub = b().watch({ prefix: `${run}/w/` }, { write: (c) => seen.push(c) > 0, end: () => undefined });
    for (const k of ['a', 'b', 'c']) await a().put(`${run}/w/${k}`, k, { waitAppliedMs: 10_000 });
    await b().delete(`${run}/w/b`, { waitAppliedMs: 10_000 });
    expect((await a().list({ prefix: `${run}/w/`, limit: 10 })).records.map((r) => r.key)).toEqual([
      `${run}/w/a`,
      `${run}/w/c`,
    ]);
    expect(await a().get(`${run}/w/b`)).toBeUndefined();
    expect(seen.map((c) => `${c.op}:${c.key}`)).toEqual([
      `put:${run}/w/a`,
      `put:${run}/w/b`,
      `put:${run}/w/c`,
      `delete:${run}/w/b`,
    ]);
    sub.close();
  });

  it('keeps the highest version of hot keys under thousands of concurrent writes through both replicas', async () => {
    const keys = Array.from({ length: 4 }, (_, i) => `${run}/hot/${i}`);
    const writes = Array.from({ length: 2000 }, (_, i) => {
      const plane = i % 2 === 0 ? a() : b();
      return plane.put(keys[i % keys.length]!, `v${i}`);
    });
    const results = await Promise.all(writes);
    const highest = new Map<string, bigint>();
    for (const r of results) if ((highest.get(r.key) ?? -1n) < r.version) highest.set(r.key, r.version);
    // Every 202 must end up applied: wait until the database holds each key's highest acknowledged version.
    const deadline = Date.now() + 30_000;
    for (const key of keys) {
      while ((await storedVersion(key)) !== highest.get(key) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(await storedVersion(key)).toBe(highest.get(key));
      expect((await a().get(key))?.version).toBe(highest.get(key));
      expect((await b().get(key))?.version).toBe(highest.get(key));
    }
    // The cache (filled by those GETs, updated by the consumers) holds the same versions.
    const redis = new Redis(REDIS_URL);
    for (const key of keys) expect(await redis.hget(`kverse:kv:${key}`, 'v')).toBe(String(highest.get(key)));
    redis.disconnect();
  });

  it('finishes what a crash after a commit cut short: the redelivered write updates the cache and reaches watchers', async () => {
    const key = `${run}/cut-short`;
    await a().put(key, 'old', { waitAppliedMs: 10_000 });
    expect((await b().get(key))?.value).toBe('old'); // now cached
    const seen: Mutation[] = [];
    const sub = b().watch({ key }, { write: (c) => seen.push(c) > 0, end: () => undefined });
    // A consumer committed this write, then died before its cache update, its kv.changes message and its ack; the
    // broker delivers the write again. (Committed here straight into the database, then queued as the API would.)
    const write: Mutation = {
      op: 'put',
      key,
      value: 'new',
      version: versionFromParts(Date.now() + 1000, 0),
      writer: 'cut-short',
      timestamp: Date.now(),
    };
    expect(await planes[0]!.engine.apply([write])).toEqual(['applied']);
    // What the write's waiter would hear: the settlement on kv.changes.
    const conn = await amqp.connect(AMQP_URL);
    const ch = await conn.createChannel();
    const outcomes: string[] = [];
    await observeChanges(ch, CHANGES_EXCHANGE, ({ settled }) => {
      for (const s of settled) if (s.version === write.version && s.writer === write.writer) outcomes.push(s.outcome);
    });
    const writes = new AmqpWritePath({ url: AMQP_URL, logger });
    try {
      await writes.ready();
      await writes.submit(write);
    } finally {
      await writes.close();
    }
    await expect.poll(() => seen.map((c) => (c.op === 'put' ? c.value : c.op)), { timeout: 10_000 }).toEqual(['new']);
    expect((await b().get(key))?.value).toBe('new');
    expect((await a().get(key))?.value).toBe('new');
    // Applied by its first delivery, and still in effect: `applied`, not `superseded` (a newer write won).
    await expect.poll(() => outcomes, { timeout: 10_000 }).toEqual(['applied']);
    await conn.close();
    sub.close();
  });

  it('dead-letters garbage and wrong-schema messages with the reason, and keeps going', async () => {
    const conn = await amqp.connect(AMQP_URL);
    const ch = await conn.createConfirmChannel();
    await ch.purgeQueue(DEAD_LETTER_QUEUE);
    ch.sendToQueue(partitionQueue(0), Buffer.from([0xff, 0xfe, 0x00]), { persistent: true });
    ch.sendToQueue(partitionQueue(1), Buffer.from(JSON.stringify({ v: 1, op: 'put', key: 'k' })), {
      persistent: true,
    });
    await ch.waitForConfirms();
    const reasons: string[] = [];
    const deadline = Date.now() + 15_000;
    while (reasons.length < 2 && Date.now() < deadline) {
      const msg = await ch.get(DEAD_LETTER_QUEUE, { noAck: true });
      if (msg) reasons.push(String(msg.properties.headers?.[REASON_HEADER]));
      else await new Promise((r) => setTimeout(r, 100));
    }
    await conn.close();
    expect(reasons.sort()).toEqual([
      expect.stringContaining('does not match its schema'),
      expect.stringContaining('not UTF-8 JSON'),
    ]);
    const after = await a().put(`${run}/after-poison`, 'ok', { waitAppliedMs: 10_000 });
    expect(after.applied).toBe(true);
  });
});
