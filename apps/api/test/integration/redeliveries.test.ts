import { randomBytes } from 'node:crypto';
import { partitionQueue } from '@kverse/amqp-write-path';
import type { RunningConsumer } from '@kverse/consumer';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AckLog,
  AMQP_URL,
  type ApiNode,
  get,
  put,
  REDIS_URL,
  requireServices,
  settle,
  startApiNode,
  startInProcessConsumer,
} from './cluster.js';

const PARTITIONS = 8; // KVERSE_WRITE_PARTITIONS default, as the consumers and APIs below use

/**
 * A consumer that misbehaves the way crashing workers do: registered first, it is the single active consumer of every
 * partition; it requeues (nack) the first delivery of every other message and, after `closeAfter` deliveries, closes
 * its channel with a batch in hand. Everything it held goes back to the queues and is redelivered, out of order, to
 * the real consumers registered behind it.
 */
async function startFlakyConsumer(closeAfter: number) {
  const conn = await amqp.connect(AMQP_URL);
  const channel = await conn.createChannel();
  await channel.prefetch(200, false);
  const requeued = new Set<string>();
  let deliveries = 0;
  let redelivered = 0;
  let closing: Promise<void> | undefined;
  const closed = new Promise<void>((resolve) => {
    const onMessage = (msg: amqp.ConsumeMessage | null) => {
      if (!msg || closing) return;
      deliveries++;
      if (msg.fields.redelivered) redelivered++;
      const id = msg.content.toString('base64');
      if (deliveries % 2 === 0 && !requeued.has(id)) {
        requeued.add(id);
        channel.nack(msg, false, true);
      }
      if (deliveries >= closeAfter) {
        closing = channel.close().then(() => conn.close());
        void closing.then(resolve);
      }
    };
    for (let p = 0; p < PARTITIONS; p++) void channel.consume(partitionQueue(p), onMessage, { noAck: false });
  });
  return {
    closed,
    stats: () => ({ deliveries, redelivered, requeued: requeued.size }),
    async close() {
      if (!closing) closing = channel.close().then(() => conn.close());
      await closing.catch(() => undefined);
    },
  };
}

// The ordering run: thousands of concurrent writes to a few hot keys through two API replicas and two consumers, with
// forced redeliveries (requeues and a channel closed mid-batch); afterwards the database, the cache and every GET
// agree on the highest acknowledged version of each key.
describe('ordering under forced redeliveries', () => {
  const run = randomBytes(4).toString('hex');
  let flaky: Awaited<ReturnType<typeof startFlakyConsumer>>;
  let nodes: ApiNode[] = [];
  let consumers: RunningConsumer[] = [];

  beforeAll(async () => {
    await requireServices();
    // The partition queues must exist before the flaky consumer subscribes; the first API node declares them.
    nodes = [await startApiNode()];
    flaky = await startFlakyConsumer(800);
    consumers = await Promise.all([startInProcessConsumer(), startInProcessConsumer()]);
    nodes.push(await startApiNode());
  });
  afterAll(async () => {
    await flaky?.close();
    for (const n of nodes) await n.close();
    for (const c of consumers) await c.close();
  });

  it('ends with the highest version of each hot key in PostgreSQL, in Redis and in every GET', async () => {
    const keys = Array.from({ length: 5 }, (_, i) => `${run}/hot/${i}`);
    const acks = new AckLog();
    await Promise.all(
      Array.from({ length: 16 }, async (_, w) => {
        for (let i = 0; i < 150; i++) {
          const key = keys[(w + i) % keys.length]!;
          const answer = await put(nodes[w % 2]!.url, key, `w${w}-${i}`);
          expect(answer.status).toBe(202);
          acks.record(key, answer);
        }
      }),
    );
    expect(acks.count).toBe(2400);
    await flaky.closed;
    const stats = flaky.stats();
    expect(stats.requeued).toBeGreaterThan(100);
    expect(stats.redelivered).toBeGreaterThan(0);

    const stored = await settle(acks);
    const redis = new Redis(REDIS_URL);
    try {
      for (const key of keys) {
        const highest = acks.highest.get(key);
        expect(stored.get(key)).toBe(highest);
        for (const node of nodes) expect((await get(node.url, key))?.version).toBe(highest);
        expect(await redis.hget(`kverse:kv:${key}`, 'v')).toBe(String(highest));
      }
    } finally {
      redis.disconnect();
    }
  });
});
