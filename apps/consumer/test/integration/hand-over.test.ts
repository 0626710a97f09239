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
// still in its hands: a plain cancel lets the next replica apply a key's later writes before the one handing over
// (or stopping) has applied the earlier ones it holds.
describe('write consumers passing a partition on', () => {
  const run = randomBytes(4).toString('hex');
  let plane: OpenedDataPlane;
  let broker: amqp.ChannelModel;
  const consumers: RunningConsumer[] = [];

  beforeAll(async () => {
    await requireServices();
    plane = await openDataPlane();
    broker = await amqp.connect(AMQP_URL);
  });
  afterAll(async () => {
    await broker?.close();
    await plane?.close();
    for (const c of consumers) await c.close();
  });

  async function start(): Promise<RunningConsumer> {
    const consumer = await openConsumer(ENV);
    consumers.push(consumer);
    return consumer;
  }

  /** The outcomes the consumers announce for each version (once per publish; one may come before its write's 202). */
  async function recordOutcomes(channel: amqp.Channel): Promise<Map<bigint, string[]>> {
    const outcomes = new Map<bigint, string[]>();
    await observeChanges(channel, CHANGES_EXCHANGE, ({ settled }) => {
      for (const s of settled) outcomes.set(s.version, [...(outcomes.get(s.version) ?? []), s.outcome]);
    });
    return outcomes;
  }

  /**
   * With `first` alone, holds it with deliveries in hand — a queue bound to kv.changes that refuses every message
   * makes the broker nack each kv.changes publish, which the consumer repeats until confirmed, its acks held
   * meanwhile — and writes each key's versions in order (each accepted before the next), so versions rise in queue
   * order: applied in that order, none is ever superseded. Returns `release` (ends the refusal) and `check` (waits
   * until every key holds its last version, then requires every one of these writes to have been decided `applied`
   * — with `redelivered`, its first decision: a write applied but not acked when its replica stopped comes again,
   * and by then its key may hold a later write; outcomes of other tests' leftover messages do not count).
   */
  async function holdAndWrite(first: RunningConsumer, tag: string) {
    await eventually(async () => (await metric(first, 'kverse_consumer_owned_partitions')) === PARTITIONS, 'alone');
    const channel = await broker.createChannel();
    const outcomes = await recordOutcomes(channel);
    const { queue } = await channel.assertQueue(`kverse.test.refuse-changes.${run}.${tag}`, {
      exclusive: true,
      arguments: { 'x-max-length': 0, 'x-overflow': 'reject-publish' },
    });
    await channel.bindQueue(queue, CHANGES_EXCHANGE, '');
    const last = new Map<string, bigint>();
    const versions: bigint[] = [];
    await Promise.all(
      keysOnEveryPartition(`${run}/${tag}`, 2, PARTITIONS).map(async (key) => {
        for (let i = 0; i < VERSIONS; i++) {
          const { version } = await plane.dataPlane.put(key, `v${i}`);
          versions.push(version);
          last.set(key, version);
        }
      }),
    );
    await expect.poll(() => metric(first, 'kverse_consumer_changes_publish_retries_total')).toBeGreaterThan(0);
    return {
      release: () => channel.deleteQueue(queue),
      async check(redelivered = false) {
        for (const [key, version] of last) {
          await expect.poll(() => storedVersion(key), { timeout: 30_000 }).toBe(version);
        }
        await expect.poll(() => versions.filter((v) => !outcomes.has(v)).length, { timeout: 15_000 }).toBe(0);
        const superseded = versions.filter((v) => {
          const o = outcomes.get(v)!;
          return redelivered ? o[0] !== 'applied' : o.some((x) => x !== 'applied');
        });
        expect(superseded.map((v) => `${v}: ${outcomes.get(v)!.join(', ')}`)).toEqual([]);
      },
    };
  }

  it('to a replica that joins: one replica at a time, every write of a key applied in order', async () => {
    const first = await start();
    const held = await holdAndWrite(first, 'join');
    const second = await start();
    await eventually(
      async () => (await metric(second, 'kverse_consumer_owned_partitions')) > 0,
      'the second replica to own partitions',
    );
    // Time for a hand-over to go wrong: with a plain cancel, the second replica applies the queued writes of its
    // partitions now, while the first still holds earlier ones.
    await new Promise((r) => setTimeout(r, 1000));
    await held.release();
    await held.check();
    expect(await applied(second)).toBeGreaterThan(0);
    expect(await metric(first, 'kverse_consumer_partition_hand_overs_total')).toBeGreaterThan(0);
  });

  it('when the replica holding it stops (SIGTERM drain): the next in line starts after it', async () => {
    for (const c of consumers.splice(0)) await c.close();
    const first = await start();
    const held = await holdAndWrite(first, 'drain');
    const second = await start();
    await eventually(async () => (await metric(second, 'kverse_consumer_group_members')) === 2, 'both replicas');
    // The first stops while it holds deliveries it has not applied yet (its kv.changes publishes refused): with a
    // cancel, the second would apply the later writes of every partition while the first still applies its own.
    const stopping = first.close();
    consumers.splice(consumers.indexOf(first), 1);
    await new Promise((r) => setTimeout(r, 500));
    await held.release();
    await stopping;
    await held.check(true);
  });

  it('when a replica stops while writes flow: nothing it applied comes again to the next', async () => {
    for (const c of consumers.splice(0)) await c.close();
    const first = await start();
    await eventually(async () => (await metric(first, 'kverse_consumer_owned_partitions')) === PARTITIONS, 'alone');
    const second = await start();
    const channel = await broker.createChannel();
    const outcomes = await recordOutcomes(channel);
    // Writes keep coming while the first replica stops, so its last acks go out just before it disconnects: they must
    // reach the broker first, or the second replica gets those writes again and announces them `superseded`.
    const versions: bigint[] = [];
    let writing = true;
    const writers = keysOnEveryPartition(`${run}/flow`, 2, PARTITIONS).map(async (key) => {
      for (let i = 0; writing; i++) versions.push((await plane.dataPlane.put(key, `v${i}`)).version);
    });
    await expect.poll(() => versions.length).toBeGreaterThan(200);
    await first.close();
    consumers.splice(consumers.indexOf(first), 1);
    await new Promise((r) => setTimeout(r, 300));
    writing = false;
    await Promise.all(writers);
    await expect.poll(() => versions.filter((v) => !outcomes.has(v)).length, { timeout: 20_000 }).toBe(0);
    await new Promise((r) => setTimeout(r, 500));
    const twice = versions.filter((v) => outcomes.get(v)!.length > 1);
    expect(twice.map((v) => `${v}: ${outcomes.get(v)!.join(', ')}`)).toEqual([]);
    expect(await applied(second)).toBeGreaterThan(0);
    await channel.close();
  });
});
