import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { HybridClock } from '@kverse/kv-core';
import { createLogger } from '@kverse/runtime';
import amqp, { type ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AmqpWritePath } from '../../src/amqp-write-path.js';
import { AmqpChangeSource } from '../../src/change-source.js';
import { encodeChanges } from '../../src/messages.js';
import { CHANGES_EXCHANGE, partitionQueue, WRITES_EXCHANGE } from '../../src/topology.js';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const logger = createLogger({ name: 'channel-loss-test', level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const rabbitScript = join(import.meta.dirname, '../../../../scripts/services/rabbitmq.sh');
const PARTITIONS = 8;

/** Names of the broker's server-named queues (`amq.gen-…`), from rabbitmqctl. */
function generatedQueues(): Set<string> {
  const out = execFileSync('bash', [rabbitScript, 'ctl', 'list_queues', 'name', '--no-table-headers', '--quiet'], {
    encoding: 'utf8',
  });
  return new Set(
    out
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.startsWith('amq.gen-')),
  );
}

async function eventually(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// The broker can take a channel (or a subscription) away while the connection stays up; the write path and the
// change stream must not stay broken until the TCP connection happens to drop.
describe('losing a channel while the connection stays up', () => {
  let admin: ChannelModel;

  beforeAll(async () => {
    try {
      admin = await amqp.connect(AMQP_URL, { timeout: 3000 });
    } catch (err) {
      throw new Error(`RabbitMQ is not answering (${(err as Error).message}); run scripts/services/rabbitmq.sh`);
    }
  });
  afterAll(async () => {
    await admin?.close();
  });

  it('the write path builds its channel and topology again, and writes are accepted again', async () => {
    const writePath = new AmqpWritePath({ url: AMQP_URL, partitions: PARTITIONS, logger });
    const clock = new HybridClock({ writer: 'channel-loss-test' });
    const write = (key: string) => ({ op: 'put' as const, key, value: 'v', timestamp: Date.now(), ...clock.next() });
    try {
      await writePath.ready();
      await writePath.submit(write('channel-loss/before'));
      const channel = await admin.createChannel();
      // Its publishes now go to an exchange that is not there: the broker closes the channel, not the connection.
      await channel.deleteExchange(WRITES_EXCHANGE);
      await writePath.submit(write('channel-loss/lost')).catch(() => undefined);
      await eventually(
        () =>
          writePath.submit(write('channel-loss/after')).then(
            () => true,
            () => false,
          ),
        'a write is accepted again',
      );
      // The exchange and its bindings are back: a write reaches a partition queue.
      for (let p = 0; p < PARTITIONS; p++) await channel.purgeQueue(partitionQueue(p));
      await writePath.submit(write('channel-loss/routed'));
      let queued = 0;
      for (let p = 0; p < PARTITIONS; p++) queued += (await channel.checkQueue(partitionQueue(p))).messageCount;
      expect(queued).toBe(1);
      for (let p = 0; p < PARTITIONS; p++) await channel.purgeQueue(partitionQueue(p));
      await channel.close();
    } finally {
      await writePath.close();
    }
  });

  it('the change stream reports the gap and subscribes again when its queue is deleted', async () => {
    const before = generatedQueues();
    const source = new AmqpChangeSource({ url: AMQP_URL, logger });
    const connection: boolean[] = [];
    source.onConnection((up) => connection.push(up));
    const received: string[] = [];
    source.onApplied((applied) => received.push(...applied.map((m) => m.key)));
    try {
      await source.ready();
      const mine = [...generatedQueues()].filter((q) => !before.has(q));
      expect(mine).toHaveLength(1);
      execFileSync('bash', [rabbitScript, 'ctl', 'delete_queue', mine[0]!], { stdio: 'ignore' });
      await eventually(() => connection.join() === 'false,true', 'the stream went down and came back');

      const clock = new HybridClock({ writer: 'channel-loss-test' });
      const change = {
        op: 'put' as const,
        key: 'channel-loss/change',
        value: 'v',
        timestamp: Date.now(),
        ...clock.next(),
      };
      const channel = await admin.createChannel();
      channel.publish(CHANGES_EXCHANGE, '', encodeChanges({ applied: [change], settled: [] }));
      await eventually(() => received.includes('channel-loss/change'), 'a change published after is received');
      await channel.close();
    } finally {
      await source.close();
    }
  });
});
