import { randomBytes } from 'node:crypto';
import { DEAD_LETTER_QUEUE, partitionOf, partitionQueue, REASON_HEADER } from '@kverse/amqp-write-path';
import type { OpenedDataPlane } from '@kverse/data-plane';
import amqp, { type ChannelModel, type ConsumeMessage } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningConsumer } from '../../src/app.js';
import { AMQP_URL, nextDeadLetter, openConsumer, openDataPlane, requireServices, storedVersion } from './cluster.js';

/** The partition count of the write path's default (KVERSE_WRITE_PARTITIONS), which this test's data plane uses. */
const PARTITIONS = 8;

// A write whose deliveries never settle — each replica that takes it goes down with it — must not circle forever.
describe('a write that keeps coming back unsettled', () => {
  const run = randomBytes(4).toString('hex');
  let plane: OpenedDataPlane;
  let connection: ChannelModel;
  let consumer: RunningConsumer | undefined;

  beforeAll(async () => {
    await requireServices();
    plane = await openDataPlane();
    connection = await amqp.connect(AMQP_URL);
  });
  afterAll(async () => {
    await consumer?.close();
    await connection?.close();
    await plane?.close();
  });

  it('goes to the dead-letter queue once delivered more than KVERSE_CONSUMER_MAX_ATTEMPTS times, and is not applied', async () => {
    const key = `${run}/comes-back`;
    const queue = partitionQueue(partitionOf(key, PARTITIONS));
    const admin = await connection.createChannel();
    // No write consumer runs in this file: clear what earlier files may have left in the partition and the DLQ.
    await admin.purgeQueue(queue);
    await admin.purgeQueue(DEAD_LETTER_QUEUE);
    const accepted = await plane.dataPlane.put(key, 'never applied');
    expect(accepted.applied).toBe(false);

    // Twice a consumer takes the write and goes away without settling it: its channel closes, the broker returns it.
    for (let i = 0; i < 2; i++) {
      const channel = await connection.createChannel();
      await channel.prefetch(1);
      const delivered = new Promise<ConsumeMessage>((resolve) => {
        void channel.consume(queue, (msg) => msg && resolve(msg));
      });
      expect((await delivered).content.toString()).toContain(key);
      await channel.close();
    }

    consumer = await openConsumer({ KVERSE_CONSUMER_MAX_ATTEMPTS: '2' });
    const dead = await nextDeadLetter(admin, 'the write never reached the dead-letter queue');
    expect(String(dead.properties.headers?.[REASON_HEADER])).toBe('delivered 3 times without being settled');
    expect(dead.content.toString()).toContain(key);
    expect(await storedVersion(key)).toBeUndefined();
    // The partition goes on: the next write to the same key is applied.
    const next = await plane.dataPlane.put(key, 'applied', { waitAppliedMs: 10_000 });
    expect(next.applied).toBe(true);
    expect(await storedVersion(key)).toBe(next.version);
  });
});
