import { randomUUID } from 'node:crypto';
import { primaryKeyOf, type Write } from '@kverse/kv-core';
import amqp, { type ConfirmChannel, type GetMessage } from 'amqplib';
import { decodeWrite } from './messages.js';
import { DEAD_LETTER_QUEUE, declareWriteTopology, partitionOf, REASON_HEADER, WRITES_EXCHANGE } from './topology.js';

/** A message of `kv.writes.dead`, as an operator sees it. */
export interface DeadLetter {
  /** Why the consumer set it aside (`x-kverse-reason`). */
  readonly reason: string;
  /** The write, when the body is one; otherwise `problem` says why it is not. */
  readonly write?: Write;
  readonly problem?: string;
  readonly bytes: number;
}

export interface ReplayOptions {
  /** `KVERSE_WRITE_PARTITIONS` of the deployment: a replayed write goes to its key's partition queue. */
  readonly partitions: number;
  /** Only writes whose (first) key starts with this. */
  readonly keyPrefix?: string;
  /** At most this many writes. */
  readonly limit?: number;
  /**
   * Writes accepted longer ago than this stay (counted in `tooOld`): the deployment's tombstone retention. A delete
   * of the key applied after such a write may have had its tombstone collected since, and the write would then bring
   * the key back. Infinity replays every write whatever its age.
   */
  readonly maxAgeMs: number;
}

export interface ReplayResult {
  /** Writes put back on their partition queue (and removed from the dead-letter queue). */
  readonly replayed: number;
  /** Of the writes selected, those left because they are older than `maxAgeMs`. */
  readonly tooOld: number;
  /** Messages still in the dead-letter queue: not writes, not selected, too old, or beyond `limit`. */
  readonly left: number;
}

/** Headers about the message's past (the reason, delivery counts, deaths): a replayed write goes without them. */
const DELIVERY_HEADERS = ['x-delivery-count', 'x-acquired-count', 'x-death', REASON_HEADER];

/**
 * Reads up to `limit` messages of `kv.writes.dead` without removing them (they go back, in order, when the channel
 * closes), with how many the queue holds in all.
 */
export async function readDeadLetters(url: string, limit: number): Promise<{ total: number; letters: DeadLetter[] }> {
  return withChannel(url, async (channel) => {
    const { messageCount } = await channel.checkQueue(DEAD_LETTER_QUEUE);
    const letters: DeadLetter[] = [];
    for (let i = 0; i < Math.min(limit, messageCount); i++) {
      const msg = await channel.get(DEAD_LETTER_QUEUE, { noAck: false });
      if (!msg) break;
      letters.push(describe(msg));
    }
    return { total: messageCount, letters };
  });
}

/**
 * Puts dead-lettered writes back on their partition queue, to be applied like any other: each keeps its version, so a
 * newer write of the key still wins (the replayed one is then `superseded`). One at a time: a write leaves the
 * dead-letter queue only once RabbitMQ has confirmed it on its partition queue, so a crash part-way loses none (a
 * write replayed twice is applied once: the second finds its own stamp in effect). Messages that are not writes, or
 * not selected, stay.
 */
export async function replayDeadLetters(url: string, options: ReplayOptions): Promise<ReplayResult> {
  return withChannel(url, async (channel) => {
    await declareWriteTopology(channel, options.partitions);
    const { messageCount } = await channel.checkQueue(DEAD_LETTER_QUEUE);
    let replayed = 0;
    let tooOld = 0;
    const oldest = Date.now() - options.maxAgeMs;
    // Bounded by what the queue held at the start: messages left stay unacked until the channel closes.
    for (let i = 0; i < messageCount && replayed < (options.limit ?? Number.POSITIVE_INFINITY); i++) {
      const msg = await channel.get(DEAD_LETTER_QUEUE, { noAck: false });
      if (!msg) break;
      const { write } = describe(msg);
      const key = write && primaryKeyOf(write);
      if (!write || !key?.startsWith(options.keyPrefix ?? '')) continue;
      if (write.timestamp < oldest) {
        tooOld++;
        continue;
      }
      await publishWrite(channel, msg, String(partitionOf(key, options.partitions)));
      channel.ack(msg);
      replayed++;
    }
    return { replayed, tooOld, left: messageCount - replayed };
  });
}

function describe(msg: GetMessage): DeadLetter {
  const base = { reason: String(msg.properties.headers?.[REASON_HEADER] ?? 'unknown'), bytes: msg.content.length };
  try {
    return { ...base, write: decodeWrite(msg.content) };
  } catch (err) {
    return { ...base, problem: (err as Error).message };
  }
}

/** Publishes the write to its partition and waits for the broker's confirm; an unroutable write is an error. */
async function publishWrite(channel: ConfirmChannel, msg: GetMessage, partition: string): Promise<void> {
  const headers = { ...msg.properties.headers };
  for (const name of DELIVERY_HEADERS) delete headers[name];
  const messageId = randomUUID();
  let returned = false;
  const onReturn = (r: { properties: { messageId?: string } }) => {
    if (r.properties.messageId === messageId) returned = true;
  };
  channel.on('return', onReturn);
  try {
    await new Promise<void>((resolve, reject) => {
      channel.publish(
        WRITES_EXCHANGE,
        partition,
        msg.content,
        {
          persistent: true,
          mandatory: true,
          messageId,
          contentType: msg.properties.contentType ?? 'application/json',
          timestamp: Date.now(),
          headers,
        },
        (err: unknown) => (err ? reject(new Error('RabbitMQ refused the replayed write')) : resolve()),
      );
    });
  } finally {
    channel.off('return', onReturn);
  }
  if (returned)
    throw new Error(`no queue is bound to partition ${partition} of ${WRITES_EXCHANGE}: check --partitions`);
}

async function withChannel<T>(url: string, use: (channel: ConfirmChannel) => Promise<T>): Promise<T> {
  const connection = await amqp.connect(url, { timeout: 5000 });
  try {
    const channel = await connection.createConfirmChannel();
    const result = await use(channel);
    // The channel is closed first: amqplib writes each channel's frames from a buffer of its own, so a connection close
    // can reach the broker before the channel's last acks — and a replayed write would stay in the queue as well.
    await channel.close();
    return result;
  } finally {
    await connection.close().catch(() => undefined);
  }
}
