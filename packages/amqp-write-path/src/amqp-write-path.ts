import { randomUUID } from 'node:crypto';
import { KvError, primaryKeyOf, type Write } from '@kverse/kv-core';
import type { Logger } from '@kverse/runtime';
import type { ConfirmChannel, Message } from 'amqplib';
import { encodeWrite } from './messages.js';
import { Reconnector } from './reconnector.js';
import { declareWriteTopology, partitionOf, WRITES_EXCHANGE } from './topology.js';
import { tracePublish } from './tracing.js';

export interface AmqpWritePathOptions {
  readonly url: string;
  /** Partition queues (must match the consumers'). @default 8 */
  readonly partitions?: number;
  /** A write not confirmed within this time fails (503). @default 10000 */
  readonly confirmTimeoutMs?: number;
  /** `Retry-After` while the broker is unreachable. @default 2 */
  readonly retryAfterSeconds?: number;
  readonly logger: Logger;
}

interface InFlight {
  settle(err: KvError | undefined): void;
}

/**
 * The write path over RabbitMQ. `submit` publishes a persistent message to `kv.writes`, routed to the key's partition
 * queue, with the `mandatory` flag on a confirm channel, and resolves (outcome unknown yet) only when the broker has
 * confirmed it (a quorum queue confirms once a majority stored it). It rejects with KV_ERR_UNAVAILABLE and
 * `retryAfterSeconds` — never resolves — when the write could be lost: broker unreachable, channel closed before the
 * confirm, a nack, a returned (unroutable) message, or no confirm in time.
 *
 * Structurally a `WritePath` of `@kverse/data-plane`.
 */
export class AmqpWritePath {
  private channel: ConfirmChannel | undefined;
  private readonly inFlight = new Map<string, InFlight>();
  private readonly returned = new Set<string>();
  private readonly reconnector: Reconnector;
  private readonly partitions: number;
  private closed = false;

  constructor(private readonly options: AmqpWritePathOptions) {
    this.partitions = options.partitions ?? 8;
    this.reconnector = new Reconnector({
      url: options.url,
      logger: options.logger.child({ component: 'amqp-write-path' }),
      setup: async (connection) => {
        const channel = await connection.createConfirmChannel();
        await declareWriteTopology(channel, this.partitions);
        // The broker sends basic.return before the basic.ack of the same message.
        channel.on('return', (msg: Message) => {
          const id = msg.properties.messageId as string | undefined;
          if (id) this.returned.add(id);
        });
        channel.on('close', () => {
          this.channelLost(channel);
          // The broker can close the channel alone (an exchange deleted, a message it refuses); the reconnector only
          // sees connections, so close this one for it to build everything again.
          if (!this.closed) void connection.close().catch(() => undefined);
        });
        channel.on('error', () => undefined);
        this.channel = channel;
      },
      onDown: () => this.channelLost(this.channel),
    });
  }

  /** Resolves once connected (start-up); rejects after `timeoutMs`. Submits before then get 503. */
  ready(timeoutMs = 10_000): Promise<void> {
    return this.reconnector.waitUntilUp(timeoutMs);
  }

  submit(write: Write): Promise<{ outcome?: never }> {
    if (this.closed) {
      return Promise.reject(
        new KvError('KV_ERR_SHUTTING_DOWN', 'the server is shutting down', { retryAfterSeconds: 1 }),
      );
    }
    const channel = this.channel;
    if (!channel) return Promise.reject(this.unavailable('the write queue (RabbitMQ) is unreachable'));
    const id = randomUUID();
    // A transaction goes with its first key: its compares and versions, not queue order, decide its outcome.
    const partition = String(partitionOf(primaryKeyOf(write), this.partitions));
    const traced = tracePublish(write, WRITES_EXCHANGE, partition, id);
    return new Promise((resolve, reject) => {
      let done = false;
      const timer = setTimeout(
        () => entry.settle(this.unavailable('the write queue did not confirm the write in time')),
        this.options.confirmTimeoutMs ?? 10_000,
      );
      const entry: InFlight = {
        settle: (err) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          this.inFlight.delete(id);
          this.returned.delete(id);
          traced.end(err);
          if (err) reject(err);
          else resolve({});
        },
      };
      this.inFlight.set(id, entry);
      try {
        channel.publish(
          WRITES_EXCHANGE,
          partition,
          encodeWrite(write),
          {
            persistent: true,
            mandatory: true,
            messageId: id,
            contentType: 'application/json',
            timestamp: Date.now(),
            headers: traced.headers,
          },
          (err: unknown) => {
            if (err) entry.settle(this.unavailable('the write queue refused the write'));
            else if (this.returned.has(id)) entry.settle(this.unavailable('the write queue could not route the write'));
            else entry.settle(undefined);
          },
        );
      } catch {
        entry.settle(this.unavailable('the write queue (RabbitMQ) is unreachable'));
      }
    });
  }

  health(): { ok: boolean; detail?: string } {
    if (this.closed) return { ok: false, detail: 'closed' };
    return this.channel
      ? { ok: true }
      : { ok: false, detail: `RabbitMQ unreachable: ${this.reconnector.lastError ?? 'connecting'}` };
  }

  async close(): Promise<void> {
    this.closed = true;
    const deadline = Date.now() + 5000;
    while (this.inFlight.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await this.reconnector.close();
  }

  private channelLost(channel: ConfirmChannel | undefined): void {
    if (channel && this.channel !== channel) return;
    this.channel = undefined;
    // Unconfirmed writes may or may not be queued: report them failed (the client retries; upserts are idempotent).
    for (const entry of [...this.inFlight.values()]) entry.settle(this.unavailable('lost the write queue connection'));
  }

  private unavailable(message: string): KvError {
    return new KvError('KV_ERR_UNAVAILABLE', message, { retryAfterSeconds: this.options.retryAfterSeconds ?? 2 });
  }
}
