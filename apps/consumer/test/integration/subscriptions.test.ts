import { randomBytes } from 'node:crypto';
import { CHANGES_EXCHANGE, partitionOf, partitionQueue } from '@kverse/amqp-write-path';
import type { OpenedDataPlane } from '@kverse/data-plane';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningConsumer } from '../../src/app.js';
import { AMQP_URL, metric, openConsumer, openDataPlane, rabbitCtl, requireServices, storedVersion } from './cluster.js';

// Connected and ready but consuming nothing is the state a consumer must never stay in.
describe('a write consumer that loses a subscription', () => {
  const run = randomBytes(4).toString('hex');
  let plane: OpenedDataPlane;
  let consumer: RunningConsumer;
  let admin: amqp.ChannelModel;

  beforeAll(async () => {
    await requireServices();
    consumer = await openConsumer();
    plane = await openDataPlane();
    admin = await amqp.connect(AMQP_URL);
  });
  afterAll(async () => {
    await admin?.close();
    await plane?.close();
    await consumer?.close();
  });

  it('declares a deleted partition queue again and subscribes to it', async () => {
    const key = `${run}/k`;
    await plane.dataPlane.put(key, 'before', { waitAppliedMs: 10_000 });
    const channel = await admin.createChannel();
    // The broker cancels the consumer's subscription when its queue goes.
    await channel.deleteQueue(partitionQueue(partitionOf(key, 8)));
    await channel.close();

    // Until the queue is back the write path refuses the write (unroutable); then the consumer must apply it.
    const deadline = Date.now() + 20_000;
    let version: bigint | undefined;
    while (version === undefined) {
      try {
        version = (await plane.dataPlane.put(key, 'after', { waitAppliedMs: 10_000 })).version;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await expect.poll(() => storedVersion(key), { timeout: 15_000 }).toBe(version);
  });
});

describe('a write consumer whose subscription channel the broker closes', () => {
  const run = randomBytes(4).toString('hex');
  let plane: OpenedDataPlane;
  let consumer: RunningConsumer | undefined;
  let admin: amqp.ChannelModel;

  beforeAll(async () => {
    await requireServices();
    plane = await openDataPlane();
    admin = await amqp.connect(AMQP_URL);
  });
  afterAll(async () => {
    await consumer?.close();
    await admin?.close();
    await plane?.close();
  });

  // A delivery held unacked past the broker's consumer timeout: RabbitMQ closes the channel (406) while the
  // connection stays up. The consumer must subscribe again, or that partition would have no consumer until a restart.
  it('reconnects and applies the partition again (consumer timeout)', { timeout: 180_000 }, async () => {
    // Channels opened from now on time out a delivery after 1 s; RabbitMQ 3.x checks about once a minute.
    rabbitCtl('eval', 'application:set_env(rabbit, consumer_timeout, 1000).');
    try {
      consumer = await openConsumer();
      const c = consumer;
      const key = `${run}/held`;
      // Messages other tests left in the queues are settled before this write (applied and announced in order).
      expect((await plane.dataPlane.put(`${run}/first`, 'x', { waitAppliedMs: 15_000 })).applied).toBe(true);
      // Hold the delivery: kv.changes refuses the batch's announcement, so the consumer keeps it unacked and retries.
      const channel = await admin.createChannel();
      const { queue } = await channel.assertQueue('', {
        exclusive: true,
        arguments: { 'x-max-length': 0, 'x-overflow': 'reject-publish' },
      });
      await channel.bindQueue(queue, CHANGES_EXCHANGE, '');
      const settled = await metric(c, 'kverse_consumer_messages_total');
      const first = await plane.dataPlane.put(key, 'held');
      await expect.poll(() => storedVersion(key), { timeout: 15_000 }).toBe(first.version);

      // The broker closes the channel and returns the message; only a new subscription gets it again (its second
      // settlement: already in effect, so superseded in the count, applied for its waiter).
      await expect
        .poll(() => metric(c, 'kverse_consumer_messages_total'), { timeout: 150_000, interval: 500 })
        .toBeGreaterThanOrEqual(settled + 2);
      await channel.deleteQueue(queue);

      const second = await plane.dataPlane.put(key, 'after', { waitAppliedMs: 15_000 });
      expect(second.applied).toBe(true);
      expect(await storedVersion(key)).toBe(second.version);
    } finally {
      rabbitCtl('eval', 'application:set_env(rabbit, consumer_timeout, 1800000).');
    }
  });
});
