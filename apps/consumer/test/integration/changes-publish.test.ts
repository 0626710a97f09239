import { randomBytes } from 'node:crypto';
import { AmqpWritePath, CHANGES_EXCHANGE, declareChangeTopology, partitionOf } from '@kverse/amqp-write-path';
import { HybridClock, type Mutation } from '@kverse/kv-core';
import amqp from 'amqplib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningConsumer } from '../../src/app.js';
import { AMQP_URL, logger, observeChanges, openConsumer, requireServices, storedVersion } from './cluster.js';

// The broker not taking a kv.changes message while the connection stays up. Before, the consumer acked the batch
// anyway: its writes were committed, but no waiter or watcher ever heard of them.
describe('write consumer: a kv.changes message the broker does not take', () => {
  const run = randomBytes(4).toString('hex');
  const clock = new HybridClock({ writer: `test-${run}` });
  let consumer: RunningConsumer | undefined;
  let connection: amqp.ChannelModel | undefined;
  let channel: amqp.Channel | undefined;
  let writes: AmqpWritePath | undefined;

  beforeAll(async () => {
    await requireServices();
    consumer = await openConsumer();
    connection = await amqp.connect(AMQP_URL);
    channel = await connection.createChannel();
    writes = new AmqpWritePath({ url: AMQP_URL, logger });
    await writes.ready();
  });
  afterEach(async () => {
    // Leave kv.changes as every component declares it.
    await channel!.deleteExchange(CHANGES_EXCHANGE);
    await declareChangeTopology(channel!);
  });
  afterAll(async () => {
    await writes?.close();
    await consumer?.close();
    await connection?.close();
  });

  /** Writes `key` through kv.writes (resolves once the broker confirmed the message). */
  async function put(key: string): Promise<Mutation> {
    const write: Mutation = { op: 'put', key, value: 'v', timestamp: Date.now(), ...clock.next() };
    await writes!.submit(write);
    return write;
  }

  /** Binds a fresh queue to `exchange`; returns the versions of `key`'s changes it receives, as they come. */
  async function observe(exchange: string, key: () => string[]): Promise<bigint[]> {
    const seen: bigint[] = [];
    await observeChanges(channel!, exchange, ({ applied }) => {
      for (const m of applied) if (key().includes(m.key)) seen.push(m.version);
    });
    return seen;
  }

  it('publishes it again until the broker confirms it (a queue refusing it), and acks the batch only then', async () => {
    // Two keys of one partition: the second write is applied and announced behind the first.
    const keys = [`${run}/refused`];
    for (let i = 0; keys.length < 2; i++) {
      if (partitionOf(`${run}/after/${i}`, 8) === partitionOf(keys[0]!, 8)) keys.push(`${run}/after/${i}`);
    }
    const seen = await observe(CHANGES_EXCHANGE, () => keys);
    // A bound queue that refuses every message: the broker nacks each kv.changes publish.
    const { queue: refusing } = await channel!.assertQueue('', {
      exclusive: true,
      arguments: { 'x-max-length': 0, 'x-overflow': 'reject-publish' },
    });
    await channel!.bindQueue(refusing, CHANGES_EXCHANGE, '');

    const refused = await put(keys[0]!);
    // Each attempt still reaches the observer's queue; a consumer that gave up after one would stop at one copy.
    await expect.poll(() => seen.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    expect(new Set(seen)).toEqual(new Set([refused.version]));
    expect(await storedVersion(keys[0]!)).toBe(refused.version);
    const metrics = await (await fetch(`${consumer!.url}/metrics`)).text();
    expect(Number(/^kverse_consumer_changes_publish_retries_total (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(
      2,
    );

    await channel!.deleteQueue(refusing);
    // Once confirmed, the batch is acked: the next write is announced, and the first one is not announced again by a
    // redelivery.
    const after = await put(keys[1]!);
    await expect.poll(() => seen.includes(after.version), { timeout: 10_000 }).toBe(true);
    const copies = seen.filter((v) => v === refused.version).length;
    await new Promise((r) => setTimeout(r, 500));
    expect(seen.filter((v) => v === refused.version)).toHaveLength(copies);
  });

  it('reopens a publisher channel the broker closed and announces the batch on it', async () => {
    const key = `${run}/unannounced`;
    // Without the exchange, a publish closes the consumer's channel (404 NOT_FOUND): the write commits but cannot be
    // announced.
    await channel!.deleteExchange(CHANGES_EXCHANGE);
    const write = await put(key);
    await expect.poll(() => storedVersion(key), { timeout: 10_000 }).toBe(write.version);
    await new Promise((r) => setTimeout(r, 1000));

    // The exchange comes back with an alternate exchange the observer is bound to, so the retry that finds it is
    // observed whenever it comes (kv.changes itself has no queue bound yet).
    const alternate = `kverse-test-${run}`;
    await channel!.assertExchange(alternate, 'fanout', { durable: false, autoDelete: true });
    const seen = await observe(alternate, () => [key]);
    await channel!.assertExchange(CHANGES_EXCHANGE, 'fanout', { durable: true, alternateExchange: alternate });
    await expect.poll(() => seen, { timeout: 15_000 }).toContain(write.version);
  });
});
