import { randomBytes } from 'node:crypto';
import { partitionOf } from '@kverse/amqp-write-path';
import type { OpenedDataPlane } from '@kverse/data-plane';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningConsumer } from '../../src/app.js';
import { keepWriting, openConsumer, openDataPlane, rabbit, requireServices, storedVersion } from './cluster.js';

const PARTITIONS = 8;
const HEARTBEAT = { KVERSE_CONSUMER_HEARTBEAT_MS: '200' };

/** A gauge or counter of a consumer's /metrics (summed over its labels). */
async function metric(consumer: RunningConsumer, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${consumer.url}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}${labels}`) && /[\s{]/.test(line.charAt(name.length)))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const applied = (c: RunningConsumer) => metric(c, 'kverse_consumer_messages_total', '{outcome="applied"}');

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
    const keys: string[] = [];
    for (let i = 0; keys.length < PARTITIONS * 4; i++) {
      const key = `${run}/${tag}/${i}`;
      if (keys.filter((k) => partitionOf(k, PARTITIONS) === partitionOf(key, PARTITIONS)).length < 4) keys.push(key);
    }
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
