import { randomBytes } from 'node:crypto';
import { ConsumerGroup } from '@kverse/amqp-write-path';
import type { OpenedDataPlane } from '@kverse/data-plane';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningConsumer } from '../../src/app.js';
import {
  AMQP_URL,
  applied,
  eventually,
  keepWriting,
  keysOnEveryPartition,
  logger,
  metric,
  openConsumer,
  openDataPlane,
  rabbit,
  requireServices,
  storedVersion,
} from './cluster.js';

const PARTITIONS = 8;
const HEARTBEAT = { KVERSE_CONSUMER_HEARTBEAT_MS: '200' };

// Each partition queue has a single active consumer, and RabbitMQ gives a queue to the first consumer in line: without
// the consumer group, the replica that started first would drain every partition and the others would only wait.
describe('write consumers share the partitions', () => {
  const run = randomBytes(4).toString('hex');
  let plane: OpenedDataPlane;
  let first: RunningConsumer;
  let second: RunningConsumer | undefined;

  beforeAll(async () => {
    await requireServices();
    plane = await openDataPlane();
    first = await openConsumer(HEARTBEAT);
  });
  afterAll(async () => {
    await plane?.close();
    await second?.close();
    await first?.close();
  });

  /** Writes a key to every partition (several each) and waits until all are applied; returns the last versions. */
  async function writeEverywhere(tag: string): Promise<Map<string, bigint>> {
    const keys = keysOnEveryPartition(`${run}/${tag}`, 4, PARTITIONS);
    const versions = new Map<string, bigint>();
    await Promise.all(
      keys.map(async (key) => {
        const r = await plane.dataPlane.put(key, tag, { waitAppliedMs: 15_000 });
        expect(r.applied).toBe(true);
        versions.set(key, r.version);
      }),
    );
    return versions;
  }

  it('a second replica takes over the partitions it owns, and both apply writes', async () => {
    await eventually(async () => (await metric(first, 'kverse_consumer_owned_partitions')) === PARTITIONS, 'alone');
    second = await openConsumer(HEARTBEAT);
    const [a, b] = [first, second];
    await eventually(
      async () =>
        (await metric(a, 'kverse_consumer_group_members')) === 2 &&
        (await metric(b, 'kverse_consumer_group_members')) === 2,
      'both replicas to hear each other',
    );
    const owned = [
      await metric(a, 'kverse_consumer_owned_partitions'),
      await metric(b, 'kverse_consumer_owned_partitions'),
    ];
    expect(owned[0]! + owned[1]!).toBe(PARTITIONS);
    expect(Math.min(...owned)).toBeGreaterThan(0);

    // The first writes may still find the first replica active on a partition it no longer owns (it hands it over
    // when the group changes and again on its next delivery there); after that, each replica applies its own.
    await writeEverywhere('warm');
    const before = [await applied(a), await applied(b)];
    const versions = await writeEverywhere('shared');
    const did = [(await applied(a)) - before[0]!, (await applied(b)) - before[1]!];
    expect(did[0]! + did[1]!).toBe(versions.size);
    // Each replica applied the writes of the partitions it owns: 4 per partition.
    expect(did).toEqual(owned.map((n) => n * 4));
    for (const [key, version] of versions) expect(await storedVersion(key)).toBe(version);
  });

  it('a replica that stops hands its partitions back at once, and nothing written meanwhile is lost', async () => {
    const [a, b] = [first, second!];
    const before = await applied(a);
    // Writes in flight while the second replica drains and leaves.
    const writing = writeEverywhere('leaving');
    await b.close();
    second = undefined;
    const versions = await writing;
    await eventually(async () => (await metric(a, 'kverse_consumer_owned_partitions')) === PARTITIONS, 'takeover');
    expect(await metric(a, 'kverse_consumer_group_members')).toBe(1);
    for (const [key, version] of versions) expect(await storedVersion(key)).toBe(version);

    const after = await applied(a);
    const more = await writeEverywhere('alone');
    expect((await applied(a)) - after).toBe(more.size);
    expect(after).toBeGreaterThanOrEqual(before);
  });
});

describe('write consumers after a RabbitMQ restart', () => {
  const run = randomBytes(4).toString('hex');
  let plane: OpenedDataPlane;
  let consumers: RunningConsumer[] = [];

  beforeAll(async () => {
    await requireServices();
    plane = await openDataPlane();
    consumers = [await openConsumer(HEARTBEAT), await openConsumer(HEARTBEAT)];
  });
  afterAll(async () => {
    rabbit();
    await plane?.close();
    for (const c of consumers) await c.close();
  });

  it('rejoin, divide the partitions again, and apply every acknowledged write', async () => {
    const bothIn = async () => {
      const owned = await Promise.all(consumers.map((c) => metric(c, 'kverse_consumer_owned_partitions')));
      const members = await Promise.all(consumers.map((c) => metric(c, 'kverse_consumer_group_members')));
      return members.every((m) => m === 2) && owned.every((n) => n > 0) && owned[0]! + owned[1]! === PARTITIONS;
    };
    await eventually(bothIn, 'the two replicas to divide the partitions');

    const writer = keepWriting(plane, run, 40);
    const { acked } = writer;
    await new Promise((r) => setTimeout(r, 500));
    rabbit('stop');
    await new Promise((r) => setTimeout(r, 1000));
    rabbit();
    await new Promise((r) => setTimeout(r, 2000));
    await writer.stop();

    // Each replica joined again under a new name; the old names expire after three heartbeats.
    await eventually(bothIn, 'the replicas to divide the partitions again after the restart', 30_000);
    for (const [key, version] of acked) {
      await expect.poll(() => storedVersion(key), { timeout: 30_000 }).toBe(version);
    }
    expect(acked.size).toBeGreaterThan(0);
  });
});

describe('ConsumerGroup on RabbitMQ', () => {
  it('says an owner was heard lately only while its heartbeats come, before the group gives up on it', async () => {
    await requireServices();
    const connections = [await amqp.connect(AMQP_URL), await amqp.connect(AMQP_URL)];
    try {
      const heartbeatMs = 500;
      const options = { partitions: PARTITIONS, heartbeatMs, logger, onChange: () => undefined };
      const [a, b] = await Promise.all(
        connections.map((c, i) => ConsumerGroup.join(c, { ...options, instance: `group-test-${i}` })),
      );
      await eventually(async () => a!.current.members.length === 2 && b!.current.members.length === 2, 'both');
      const ofB = [...b!.current.owned];
      expect(ofB.length).toBeGreaterThan(0);
      // a hands a partition over only to an owner it hears: each of b's partitions, and none of its own.
      expect(ofB.every((p) => a!.ownerHeardLately(p))).toBe(true);
      expect([...a!.current.owned].some((p) => a!.ownerHeardLately(p))).toBe(false);

      // b falls silent without leaving, as a crashed replica does: before a drops it from the group (three
      // heartbeats), b's partitions are still b's, but a no longer counts on b being in line for them.
      b!.stop();
      // 1.8 heartbeats: past the 1.5 of `ownerHeardLately`, short of the 3 after which b's last beat expires.
      await new Promise((r) => setTimeout(r, 1.8 * heartbeatMs));
      expect(a!.current.members).toContain(b!.self);
      expect(ofB.some((p) => a!.ownerHeardLately(p))).toBe(false);
      await eventually(async () => a!.current.members.length === 1, 'b to expire');
      await a!.leave();
    } finally {
      for (const c of connections) await c.close();
    }
  });
});
