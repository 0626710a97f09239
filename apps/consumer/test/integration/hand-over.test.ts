import { randomBytes } from 'node:crypto';
import { CHANGES_EXCHANGE } from '@kverse/amqp-write-path';
import type { OpenedDataPlane } from '@kverse/data-plane';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningConsumer } from '../../src/app.js';
import {
  AMQP_URL,
  applied,
  eventually,
  keysOnEveryPartition,
  metric,
  observeChanges,
  openConsumer,
  openDataPlane,
  requireServices,
  storedVersion,
} from './cluster.js';

const PARTITIONS = 8;
// Small batches and a small prefetch, so most of the writes wait in the queues while the first replica is held.
const ENV = { KVERSE_CONSUMER_HEARTBEAT_MS: '200', KVERSE_CONSUMER_PREFETCH: '20', KVERSE_CONSUMER_MAX_BATCH: '10' };
const VERSIONS = 30;

// Single active consumer activates the next consumer in line the moment the active one cancels, with deliveries
// still in its hands: a plain cancel lets the owner apply a key's later writes before the replica handing over has
// applied the earlier ones it holds.
describe('a partition handed over to a replica that joins', () => {
  const run = randomBytes(4).toString('hex');
  let plane: OpenedDataPlane;
  let broker: amqp.ChannelModel;
  const consumers: RunningConsumer[] = [];

  beforeAll(async () => {
    await requireServices();
    plane = await openDataPlane();
    broker = await amqp.connect(AMQP_URL);
    consumers.push(await openConsumer(ENV));
  });
  afterAll(async () => {
    await broker?.close();
    await plane?.close();
    for (const c of consumers) await c.close();
  });

  it('is applied by one replica at a time: every write of a key is applied in order, none superseded', async () => {
    const [first] = consumers as [RunningConsumer];
    await eventually(async () => (await metric(first, 'kverse_consumer_owned_partitions')) === PARTITIONS, 'alone');

    // Hold the first replica with deliveries in hand: a queue bound to kv.changes that refuses every message makes
    // the broker nack each kv.changes publish, which the consumer repeats until confirmed, its acks held meanwhile.
    const channel = await broker.createChannel();
    // Each of this test's writes by version, with the outcomes the consumers announce for it (once per publish).
    const outcomes = new Map<bigint, string[]>();
    await observeChanges(channel, CHANGES_EXCHANGE, ({ settled }) => {
      for (const s of settled) outcomes.get(s.version)?.push(s.outcome);
    });
    const { queue } = await channel.assertQueue(`kverse.test.refuse-changes.${run}`, {
      exclusive: true,
      arguments: { 'x-max-length': 0, 'x-overflow': 'reject-publish' },
    });
    await channel.bindQueue(queue, CHANGES_EXCHANGE, '');

    // Each key's writes in order (one after the other, each accepted before the next), so their versions rise in
    // queue order: applied in that order, none is ever superseded.
    const last = new Map<string, bigint>();
    await Promise.all(
      keysOnEveryPartition(`${run}/k`, 2, PARTITIONS).map(async (key) => {
        for (let i = 0; i < VERSIONS; i++) {
          const { version } = await plane.dataPlane.put(key, `v${i}`);
          outcomes.set(version, []);
          last.set(key, version);
        }
      }),
    );
    await expect.poll(() => metric(first, 'kverse_consumer_changes_publish_retries_total')).toBeGreaterThan(0);

    const second = await openConsumer(ENV);
    consumers.push(second);
    await eventually(
      async () => (await metric(second, 'kverse_consumer_owned_partitions')) > 0,
      'the second replica to own partitions',
    );
    // Time for a hand-over to go wrong: with a plain cancel, the second replica applies the queued writes of its
    // partitions now, while the first still holds earlier ones.
    await new Promise((r) => setTimeout(r, 1000));
    await channel.deleteQueue(queue);

    for (const [key, version] of last) {
      await expect.poll(() => storedVersion(key), { timeout: 30_000 }).toBe(version);
    }
    expect(await applied(second)).toBeGreaterThan(0);
    expect(await metric(first, 'kverse_consumer_partition_hand_overs_total')).toBeGreaterThan(0);
    // Outcomes of other tests' leftover messages do not count: only this test's writes, each applied in its turn.
    await expect.poll(() => [...outcomes.values()].filter((o) => o.length === 0).length, { timeout: 15_000 }).toBe(0);
    const superseded = [...outcomes].filter(([, o]) => !o.every((x) => x === 'applied'));
    expect(superseded.map(([version, o]) => `${version}: ${o.join(', ')}`)).toEqual([]);
  });
});
