import type { ChangeListener, Settlement } from '@kverse/kv-core';
import type { Logger } from '@kverse/runtime';
import type { ConsumeMessage } from 'amqplib';
import { decodeChanges } from './messages.js';
import { Reconnector } from './reconnector.js';
import { CHANGES_EXCHANGE, declareChangeTopology } from './topology.js';

/** Listener for the outcomes of writes a consumer settled. */
export type SettledListener = (settled: readonly Settlement[]) => void;

export interface AmqpChangeSourceOptions {
  readonly url: string;
  readonly logger: Logger;
}

/**
 * The change stream of the distributed data plane: consumes the `kv.changes` fanout through one exclusive,
 * auto-delete queue per process, so every API replica sees every settled write (watch, `?wait=applied`). Reconnects
 * with backoff; changes published while this process was disconnected are lost to it, which it reports through
 * `onConnection` (the watch hub ends its watches and refuses to resume across the hole; a waiter times out with 504
 * and the client re-reads).
 *
 * Structurally a `ChangeSource` of `@kverse/data-plane`.
 */
export class AmqpChangeSource {
  private readonly applied = new Set<ChangeListener>();
  private readonly settled = new Set<SettledListener>();
  private readonly connection = new Set<(connected: boolean) => void>();
  private readonly reconnector: Reconnector;
  private readonly logger: Logger;
  private closing = false;

  constructor(options: AmqpChangeSourceOptions) {
    this.logger = options.logger.child({ component: 'amqp-change-source' });
    this.reconnector = new Reconnector({
      url: options.url,
      logger: this.logger,
      setup: async (connection) => {
        const channel = await connection.createChannel();
        // Losing the channel or the subscription (the broker closed the channel, or cancelled the consumer because its
        // queue was deleted) while the connection stays up would leave watchers waiting for changes that never come:
        // close the connection, so the reconnector reports the gap (onDown) and subscribes again.
        const lost = () => {
          if (!this.closing) void connection.close().catch(() => undefined);
        };
        channel.on('close', lost);
        channel.on('error', () => undefined);
        await declareChangeTopology(channel);
        const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
        await channel.bindQueue(queue, CHANGES_EXCHANGE, '');
        await channel.consume(queue, (msg) => (msg ? this.receive(msg) : lost()), { noAck: true });
      },
      onDown: () => {
        for (const l of this.connection) l(false);
      },
      onUp: () => {
        for (const l of this.connection) l(true);
      },
    });
  }

  ready(timeoutMs = 10_000): Promise<void> {
    return this.reconnector.waitUntilUp(timeoutMs);
  }

  get up(): boolean {
    return this.reconnector.up;
  }

  onApplied(listener: ChangeListener): () => void {
    return subscribe(this.applied, listener);
  }

  onSettled(listener: SettledListener): () => void {
    return subscribe(this.settled, listener);
  }

  /** Losing the connection (`false`) and having it again (`true`): changes published meanwhile were not received. */
  onConnection(listener: (connected: boolean) => void): () => void {
    return subscribe(this.connection, listener);
  }

  close(): Promise<void> {
    this.closing = true;
    return this.reconnector.close();
  }

  private receive(msg: ConsumeMessage): void {
    let changes: ReturnType<typeof decodeChanges>;
    try {
      changes = decodeChanges(msg.content);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'ignored an invalid kv.changes message');
      return;
    }
    if (changes.applied.length > 0) for (const l of this.applied) l(changes.applied);
    if (changes.settled.length > 0) for (const l of this.settled) l(changes.settled);
  }
}

function subscribe<T>(set: Set<T>, listener: T): () => void {
  const entry = { listener };
  set.add(entry.listener);
  return () => {
    set.delete(entry.listener);
  };
}
