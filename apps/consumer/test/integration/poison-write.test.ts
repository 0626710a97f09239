import { randomBytes } from 'node:crypto';
import { AmqpWritePath, DEAD_LETTER_QUEUE, partitionOf, partitionQueue, REASON_HEADER } from '@kverse/amqp-write-path';
import { HybridClock, type Mutation } from '@kverse/kv-core';
import amqp, { type ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningConsumer } from '../../src/app.js';
import { AMQP_URL, logger, nextDeadLetter, openConsumer, requireServices, storedVersion } from './cluster.js';

/** The partition count of the write path's default (KVERSE_WRITE_PARTITIONS). */
const PARTITIONS = 8;

// A write no front door of this version accepts (a NUL in the value: SQL text cannot hold it) can still reach the
// queue — from an older API, a replayed dead letter, a hand-made message. It must cost only itself.
describe('a write the database cannot take, in a batch with good ones', () => {
  const run = randomBytes(4).toString('hex');
  const clock = new HybridClock({ writer: `poison-test-${run}` });
  let connection: ChannelModel;
  let writePath: AmqpWritePath;
  let consumer: RunningConsumer | undefined;

  beforeAll(async () => {
    await requireServices();
    connection = await amqp.connect(AMQP_URL);
    writePath = new AmqpWritePath({ url: AMQP_URL, partitions: PARTITIONS, logger });
    await writePath.ready();
  });
  afterAll(async () => {
    await consumer?.close();
    await writePath?.close();
    await connection?.close();
  });

  const put = (key: string, value: string): Mutation => ({
    op: 'put',
    key,
    value,
    timestamp: Date.now(),
    ...clock.next(),
  });

  it('is dead-lettered alone with the reason; the writes around it are applied and the consumer goes on', async () => {
    const keys = ['before', 'poison', 'after'].map((k) => `${run}/${k}`);
    let behind = 0;
    while (partitionOf(`${run}/behind-${behind}`, PARTITIONS) !== partitionOf(keys[1]!, PARTITIONS)) behind++;
    const admin = await connection.createChannel();
    for (let p = 0; p < PARTITIONS; p++) await admin.purgeQueue(partitionQueue(p));
    await admin.purgeQueue(DEAD_LETTER_QUEUE);
    // Queued before any consumer runs, so they arrive together and are applied as one batch.
    const writes = [
      put(keys[0]!, 'good'),
      put(keys[1]!, 'bad\u0000value'),
      put(keys[2]!, 'good'),
      // Behind the poison write in its own partition.
      put(`${run}/behind-${behind}`, 'good'),
    ];
    for (const w of writes) await writePath.submit(w);

    consumer = await openConsumer();
    const dead = await nextDeadLetter(admin, 'the write the database refused never reached the dead-letter queue');
    expect(dead.content.toString()).toContain(keys[1]);
    expect(String(dead.properties.headers?.[REASON_HEADER])).toMatch(/database refused the write: .*U\+0000/);

    for (const w of [writes[0]!, writes[2]!, writes[3]!]) {
      await expect.poll(() => storedVersion(w.key), { timeout: 10_000 }).toBe(w.version);
    }
    expect(await storedVersion(keys[1]!)).toBeUndefined();
    expect(await admin.get(DEAD_LETTER_QUEUE, { noAck: true })).toBe(false);

    // Still consuming: a later write is applied.
    const later = put(`${run}/later`, 'good');
    await writePath.submit(later);
    await expect.poll(() => storedVersion(later.key), { timeout: 10_000 }).toBe(later.version);
  });
});
