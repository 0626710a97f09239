import type { Channel } from 'amqplib';

/**
 * RabbitMQ topology of the write path (see README.md for why):
 *
 * - `kv.writes` — durable direct exchange. A write is published with routing key `<partition>`, where
 *   `partition = fnv1a32(utf8(key)) mod partitions`, so every write of one key goes to the same queue.
 * - `kv.writes.<partition>` — durable QUORUM queues (replicated, confirmed only once a majority has the message) with
 *   single-active-consumer: one consumer at a time drains a partition, in order; the others stand by.
 * - `kv.writes.dead` — quorum queue of messages a consumer refused, with header `x-kverse-reason`.
 * - `kv.changes` — durable fanout exchange of settled writes; each API process binds its own exclusive,
 *   auto-delete queue.
 * - `kv.consumers` — durable fanout exchange of the write consumers' heartbeats (see `ConsumerGroup`); each consumer
 *   binds its own exclusive, auto-delete queue.
 */
export const WRITES_EXCHANGE = 'kv.writes';
export const CHANGES_EXCHANGE = 'kv.changes';
export const CONSUMERS_EXCHANGE = 'kv.consumers';
export const DEAD_LETTER_QUEUE = 'kv.writes.dead';
export const REASON_HEADER = 'x-kverse-reason';

export function partitionQueue(partition: number): string {
  return `${WRITES_EXCHANGE}.${partition}`;
}

/** The partition of a key: FNV-1a (32 bit) of its UTF-8 bytes, modulo the partition count. */
export function partitionOf(key: string, partitions: number): number {
  return fnv1a32(key) % partitions;
}

/** FNV-1a, 32 bit, of the UTF-8 bytes of `text`. */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

const QUORUM = { 'x-queue-type': 'quorum' };

/** Declares (idempotently) the write exchange, its partition queues and bindings, and the dead-letter queue. */
export async function declareWriteTopology(channel: Channel, partitions: number): Promise<void> {
  await channel.assertExchange(WRITES_EXCHANGE, 'direct', { durable: true });
  for (let p = 0; p < partitions; p++) {
    const queue = partitionQueue(p);
    await channel.assertQueue(queue, { durable: true, arguments: { ...QUORUM, 'x-single-active-consumer': true } });
    await channel.bindQueue(queue, WRITES_EXCHANGE, String(p));
  }
  await channel.assertQueue(DEAD_LETTER_QUEUE, { durable: true, arguments: QUORUM });
}

export async function declareChangeTopology(channel: Channel): Promise<void> {
  await channel.assertExchange(CHANGES_EXCHANGE, 'fanout', { durable: true });
}
