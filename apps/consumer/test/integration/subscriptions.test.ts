import { randomBytes } from 'node:crypto';
import { partitionOf, partitionQueue } from '@kverse/amqp-write-path';
import type { OpenedDataPlane } from '@kverse/data-plane';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningConsumer } from '../../src/app.js';
import { AMQP_URL, openConsumer, openDataPlane, requireServices, storedVersion } from './cluster.js';

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
