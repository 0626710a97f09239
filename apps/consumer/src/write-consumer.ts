import {
  CHANGES_EXCHANGE,
  ConsumerGroup,
  DEAD_LETTER_QUEUE,
  declareChangeTopology,
  declareWriteTopology,
  decodeWrite,
  encodeChanges,
  type GroupView,
  partitionQueue,
  REASON_HEADER,
  Reconnector,
} from '@kverse/amqp-write-path';
import {
  type ApplyOutcome,
  isKvError,
  type KvEngine,
  type Mutation,
  type Settlement,
  stampId,
  type Write,
} from '@kverse/kv-core';
import { batchLength, type Logger } from '@kverse/runtime';
import { injectContext, inSpan, KV_SPANS, SpanKind } from '@kverse/telemetry';
import { SpanStatusCode } from '@opentelemetry/api';
import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import { changesAttributes, traceApply, tracer } from './apply-tracing.js';
import type { ConsumerMetrics } from './consumer-metrics.js';

/** Something kept in step with applied writes after each commit (the Redis cache). Failures are logged, not fatal. */
export interface ChangeSink {
  applyChanges(applied: readonly Mutation[]): Promise<void>;
}

export interface WriteConsumerOptions {
  readonly amqpUrl: string;
  readonly partitions: number;
  readonly prefetch: number;
  readonly maxBatch: number;
  readonly maxAttempts: number;
  /** Names this process among the consumers sharing the partitions (see {@link ConsumerGroup}). */
  readonly instance: string;
  /** Time between the consumer group's heartbeats (`KVERSE_CONSUMER_HEARTBEAT_MS`). */
  readonly heartbeatMs: number;
  readonly engine: KvEngine;
  readonly cache?: ChangeSink;
  readonly metrics: ConsumerMetrics;
  readonly logger: Logger;
}

interface Delivery {
  readonly msg: ConsumeMessage;
  /** The subscription it came on (its channel is where it is acked). */
  readonly sub: Subscription;
}

/** This consumer's subscription to one partition queue, on a channel of its own. */
interface Subscription {
  readonly partition: number;
  /** The broker connection it was made on: a batch of its deliveries is worth finishing only while that is open. */
  readonly connection: ChannelModel;
  readonly channel: Channel;
  tag: string;
  /** Deliveries taken in and not yet settled (acked, dead-lettered, or left to come again). */
  pending: number;
  /** Who waits for `pending` to reach 0 (a hand-over). */
  settledWaiters: Array<() => void>;
  /** Set once a hand-over begins: what arrives from then on is left for the channel's close to return. */
  handingOver: boolean;
}

/**
 * Drains the `kv.writes` partition queues into the engine. Per batch: decode and validate every message (poison →
 * dead-letter queue with the reason), apply the rest as one engine batch (one transaction, one multi-row upsert),
 * then — only after the commit — update the cache, publish the outcomes to `kv.changes` (confirmed), and ack. A
 * crash anywhere before the ack redelivers the batch, which the versioned upsert makes harmless; the engine
 * announces the redelivered writes still in effect again, so a cache update or `kv.changes` message the crash cut
 * short happens then. A database outage holds the batch (unacked) and retries with backoff, and so does a
 * `kv.changes` message the broker does not confirm; messages delivered more than `maxAttempts` times are
 * dead-lettered.
 *
 * Replicas share the partitions: each subscribes to every partition queue (single active consumer: one drains it, the
 * others wait in line to take over at once if it goes), and the {@link ConsumerGroup} divides the partitions among
 * them — a replica active on a partition another one owns hands it over by subscribing again at the back of the line.
 */
export class WriteConsumer {
  private readonly reconnector: Reconnector;
  private buffer: Delivery[] = [];
  private running: Promise<void> | undefined;
  private publisher: ConfirmChannel | undefined;
  private subscriptions = new Map<number, Subscription>();
  /**
   * The broker connection from the start of its set-up until it closes (deliveries arrive as soon as the set-up
   * subscribes, before the reconnector counts the connection as up).
   */
  private connection: ChannelModel | undefined;
  /** Connections that have closed: their deliveries come again on the next one, so their batches stop retrying. */
  private readonly closed = new WeakSet<ChannelModel>();
  /** When each partition was last handed over, ms since the epoch. */
  private readonly handedOverAt = new Map<number, number>();
  /** Drops the connection so the reconnect subscribes afresh (see the set-up). */
  private restart: (why: string) => void = () => undefined;
  private group: ConsumerGroup | undefined;
  private dbDown: string | undefined;
  private draining = false;

  constructor(private readonly options: WriteConsumerOptions) {
    this.reconnector = new Reconnector({
      url: options.amqpUrl,
      logger: options.logger,
      setup: async (connection) => {
        // The publisher exists before the first delivery.
        const publisher = await this.openPublisher(connection);
        await declareWriteTopology(publisher, options.partitions);
        await declareChangeTopology(publisher);
        // Connected and ready but consuming nothing is the one state this replica must never stay in. A subscription
        // channel the broker closes while the connection stays up (an unknown delivery tag acked, a delivery held past
        // the broker's consumer timeout), or a subscription it cancels (its queue was deleted), reconnects instead:
        // the set-up declares the queues again and subscribes (the channel's unacked messages are redelivered).
        this.connection = connection;
        connection.on('close', () => {
          this.closed.add(connection);
          if (this.connection === connection) this.connection = undefined;
        });
        this.restart = (why) => {
          // After the turn: when the whole connection is closing, its channels close first and the reconnect follows.
          setImmediate(() => {
            if (this.draining || this.closed.has(connection)) return;
            options.logger.warn({ reason: why }, 'lost a subscription to kv.writes; reconnecting to RabbitMQ');
            connection.close().catch(() => undefined);
          });
        };
        const subscriptions = new Map<number, Subscription>();
        for (let p = 0; p < options.partitions; p++) subscriptions.set(p, await this.subscribe(connection, p));
        this.subscriptions = subscriptions;
        this.group = await ConsumerGroup.join(connection, {
          partitions: options.partitions,
          instance: options.instance,
          heartbeatMs: options.heartbeatMs,
          logger: options.logger,
          onChange: (view) => {
            this.showView(view);
            for (let p = 0; p < options.partitions; p++) if (!view.owned.has(p)) void this.handOver(p);
          },
        });
        this.showView(this.group.current);
      },
      onDown: () => {
        // Unacked deliveries of the lost channel are redelivered by the broker to whoever consumes next.
        this.publisher = undefined;
        this.group?.stop();
        this.group = undefined;
        this.showView(undefined);
        this.subscriptions = new Map();
        this.buffer = [];
      },
    });
  }

  /**
   * Opens the confirm channel that publishes to `kv.changes` and the dead-letter queue. A channel the broker closes
   * while the connection stays up (a channel error, such as a publish to a missing exchange) is replaced at once.
   */
  private async openPublisher(connection: ChannelModel): Promise<ConfirmChannel> {
    const publisher = await connection.createConfirmChannel();
    publisher.on('error', () => undefined);
    publisher.on('close', () => {
      if (this.publisher !== publisher) return;
      this.publisher = undefined;
      this.openPublisher(connection).catch(() => undefined); // the connection went too: the reconnect opens one
    });
    this.publisher = publisher;
    return publisher;
  }

  /**
   * Subscribes to partition `p`'s queue on a channel of its own (a hand-over closes it, which returns to the queue
   * exactly that partition's unstarted deliveries).
   */
  private async subscribe(connection: ChannelModel, p: number): Promise<Subscription> {
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    const sub: Subscription = {
      partition: p,
      connection,
      channel,
      tag: '',
      pending: 0,
      settledWaiters: [],
      handingOver: false,
    };
    const restart = this.restart;
    channel.on('close', () => {
      if (!sub.handingOver) restart(`the channel of ${partitionQueue(p)} closed`);
    });
    await channel.prefetch(this.options.prefetch, false);
    const { consumerTag } = await channel.consume(
      partitionQueue(p),
      (msg) => (msg ? this.receive(msg, sub) : restart(`${partitionQueue(p)} cancelled the subscription`)),
      { noAck: false },
    );
    sub.tag = consumerTag;
    return sub;
  }

  /**
   * Hands partition `p` over to its owner without the two ever applying it at once — which would let a write the
   * owner receives be decided before an earlier one this replica still holds (a conditional write against a state
   * that misses the earlier write, a change announced out of order). Single active consumer activates the next in
   * line as soon as the active one cancels, with deliveries still unsettled, so this replica instead: stops taking
   * deliveries from `p`, finishes the ones it took (applied, announced and acked), then closes the partition's
   * channel — the broker returns what arrived meanwhile to the queue, ahead of the rest, and activates the owner, first
   * in line — and subscribes again, at the back of the line. At most once per heartbeat interval per partition, and
   * only while the owner is heard from: an owner that just crashed is not in line, and the queue would come back here.
   * Returned deliveries count as one more delivery ({@link deliveryAttempts}); a hand-over returns at most `prefetch`.
   */
  private async handOver(p: number): Promise<void> {
    const sub = this.subscriptions.get(p);
    const connection = this.connection;
    if (!sub || !connection || sub.handingOver || this.draining) return;
    if (Date.now() - (this.handedOverAt.get(p) ?? 0) < this.options.heartbeatMs) return;
    if (!this.group?.ownerHeardLately(p)) return;
    sub.handingOver = true;
    this.handedOverAt.set(p, Date.now());
    if (sub.pending > 0) await new Promise<void>((resolve) => sub.settledWaiters.push(resolve));
    if (this.draining || this.subscriptions.get(p) !== sub) return;
    // Closed by the broker meanwhile (a channel error): its deliveries went back all the same.
    await sub.channel.close().catch(() => undefined);
    if (this.draining || this.subscriptions.get(p) !== sub || this.connection !== connection) return;
    try {
      this.subscriptions.set(p, await this.subscribe(connection, p));
      this.options.metrics.handOvers.inc();
      this.options.logger.debug({ partition: p }, 'partition handed over to its owner');
    } catch (err) {
      // Standing by for the partition is this replica's part even when it does not own it: reconnect and subscribe.
      if (this.connection === connection) this.restart(`subscribing to ${partitionQueue(p)} again failed: ${err}`);
    }
  }

  private showView(view: GroupView | undefined): void {
    this.options.metrics.groupMembers.set(view?.members.length ?? 0);
    this.options.metrics.ownedPartitions.set(view?.owned.size ?? 0);
  }

  /** Whether this replica owns partition 0, which also makes it the one that runs the housekeeping (TTL, tombstones). */
  leads(): boolean {
    return this.group?.owns(0) ?? false;
  }

  ready(timeoutMs: number): Promise<void> {
    return this.reconnector.waitUntilUp(timeoutMs);
  }

  health(): { broker: boolean; database: string | undefined } {
    return { broker: this.reconnector.up, database: this.dbDown };
  }

  /**
   * Stops taking messages, finishes what was received (apply, publish, ack), then disconnects — a hand-over of every
   * partition at once (see {@link handOver}): cancelling would activate the next replica in line while this one still
   * applies earlier writes. What arrives meanwhile goes back to the queues when the connection closes.
   */
  async drain(): Promise<void> {
    this.draining = true;
    for (const sub of this.subscriptions.values()) sub.handingOver = true;
    await this.group?.leave();
    while (this.running) await this.running;
    // Each partition's channel is closed before the connection: amqplib writes every channel's frames from a buffer of
    // its own, so a connection close can reach the broker before a channel's last acks, and those writes would come
    // again to the next replica although applied. A channel's close follows its acks.
    await Promise.all([...this.subscriptions.values()].map((sub) => sub.channel.close().catch(() => undefined)));
    await this.reconnector.close();
  }

  private receive(msg: ConsumeMessage, sub: Subscription): void {
    if (this.group && !this.group.owns(sub.partition)) void this.handOver(sub.partition);
    // Handing over: left unsettled, for the channel's close to return it to the queue, in order, for the owner.
    if (sub.handingOver) return;
    sub.pending++;
    this.buffer.push({ msg, sub });
    this.running ??= this.loop();
  }

  /** Counts a processed batch's deliveries as settled on their subscriptions, waking a hand-over waiting for them. */
  private settled(batch: readonly Delivery[]): void {
    for (const { sub } of batch) {
      sub.pending--;
      if (sub.pending === 0) for (const wake of sub.settledWaiters.splice(0)) wake();
    }
  }

  /** The post-commit stage of the last batch applied (see {@link applyBatch}). */
  private postCommit: Promise<void> = Promise.resolve();

  private async loop(): Promise<void> {
    try {
      // Let the deliveries already on the socket join the first batch.
      await new Promise((resolve) => setImmediate(resolve));
      while (this.buffer.length > 0) {
        const batch = this.buffer.splice(0, deliveryBatchLength(this.buffer, this.options.maxBatch));
        // Pipelined: this batch is applied while the previous one finishes its cache update, publish and acks; the
        // next waits for that, so at most two batches are in flight.
        const previous = this.postCommit;
        try {
          await this.process(batch);
        } finally {
          // Settled once its post-commit stage (cache, kv.changes, acks) has run, or there was none.
          void this.postCommit.then(() => this.settled(batch));
        }
        await previous;
      }
      await this.postCommit;
    } finally {
      this.running = undefined;
    }
    if (this.buffer.length > 0) this.running ??= this.loop();
  }

  private async process(batch: Delivery[]): Promise<void> {
    const writes: Array<{ delivery: Delivery; write: Write }> = [];
    for (const delivery of batch) {
      const attempts = deliveryAttempts(delivery.msg.properties.headers);
      if (attempts > this.options.maxAttempts) {
        await this.deadLetter(delivery, `delivered ${attempts} times without being settled`);
        continue;
      }
      try {
        writes.push({ delivery, write: decodeWrite(delivery.msg.content) });
      } catch (err) {
        await this.deadLetter(delivery, (err as Error).message);
      }
    }
    if (writes.length === 0) return;
    const traced = traceApply(writes.map((w) => ({ msg: w.delivery.msg, write: w.write })));
    traced.settle((await traced.run(() => this.applyBatch(writes))) ?? []);
  }

  /**
   * Applies decoded writes and returns the outcomes; the cache update, the `kv.changes` publish and the acks follow as
   * the post-commit stage ({@link postCommit}), which the loop overlaps with applying the next batch.
   */
  private async applyBatch(
    batch: Array<{ delivery: Delivery; write: Write }>,
  ): Promise<Array<ApplyOutcome | undefined> | undefined> {
    const { metrics, logger } = this.options;
    const started = performance.now();
    // Every delivery of a batch came on one connection (the buffer is emptied when one goes).
    const connection = batch[0]!.delivery.sub.connection;
    const result = await this.applyIsolating(batch, connection);
    if (!result) return undefined; // the broker connection went away: these deliveries will come again
    const { outcomes, applied } = result;
    // A write the database refused for what it holds was dead-lettered (and acked) on its own; the rest go on.
    const writes = result.kept;
    if (writes.length === 0) return [];
    metrics.applySeconds.observe((performance.now() - started) / 1000);
    metrics.batchSize.observe(writes.length);
    const oldest = Math.min(...writes.map((w) => w.write.timestamp));
    metrics.lagSeconds.set(Math.max(0, Date.now() - oldest) / 1000);

    // A redelivered write its key still holds (the engine announces it again) was applied by its first delivery: its
    // waiter hears `applied`, not `superseded`, which would tell it a newer write had won.
    const inEffect = new Set(applied.map(stampId));
    const settled: Settlement[] = writes.map((w, i) => {
      const outcome = outcomes[i] ?? 'superseded';
      return {
        version: w.write.version,
        writer: w.write.writer,
        outcome: outcome === 'superseded' && inEffect.has(stampId(w.write)) ? 'applied' : outcome,
      };
    });
    // After the commit, in commit order (each batch's stage starts when the previous one's ended, so kv.changes
    // keeps commit order): cache, kv.changes, then the acks. It never fails: a cache error is logged (entries expire
    // by TTL); a kv.changes message is published again until the broker confirms it (see announce).
    const cache = this.options.cache;
    this.postCommit = this.postCommit.then(async () => {
      if (applied.length > 0 && cache) {
        await cache.applyChanges(applied).catch((err: unknown) => {
          logger.warn({ err: (err as Error).message }, 'cache update failed; entries expire by TTL');
        });
      }
      if (await this.announce(applied, settled, connection)) this.ackAll(writes.map((w) => w.delivery));
    });
    for (const outcome of ['applied', 'superseded', 'failed'] as const) {
      const n = outcomes.filter((o) => o === outcome).length;
      if (n > 0) metrics.messages.inc({ outcome }, n);
    }
    // Aligned with the batch as it came (a dead-lettered write has none), for the batch's trace.
    const outcomeOf = new Map(writes.map((w, i) => [w, outcomes[i]]));
    return batch.map((w) => outcomeOf.get(w));
  }

  /**
   * Applies a batch; a write the database refuses for its own content (see {@link isWriteFault}) is found by applying
   * halves of the batch in turn, in order, and dead-lettered alone, so one bad write neither stops the partitions nor
   * takes the writes around it to the dead-letter queue. Resolves with the outcomes of the writes kept (in order),
   * the mutations that took effect, and the writes kept; undefined when the broker connection went.
   */
  private async applyIsolating(
    writes: Array<{ delivery: Delivery; write: Write }>,
    connection: ChannelModel,
  ): Promise<
    { outcomes: ApplyOutcome[]; applied: Mutation[]; kept: Array<{ delivery: Delivery; write: Write }> } | undefined
  > {
    try {
      const result = await this.applyWithRetry(
        writes.map((w) => w.write),
        connection,
      );
      return result && { ...result, kept: writes };
    } catch (err) {
      if (!(err instanceof WriteFault)) throw err;
      if (writes.length === 1) {
        await this.deadLetter(writes[0]!.delivery, `the database refused the write: ${err.message}`);
        return { outcomes: [], applied: [], kept: [] };
      }
      const half = Math.ceil(writes.length / 2);
      const first = await this.applyIsolating(writes.slice(0, half), connection);
      if (!first) return undefined;
      const second = await this.applyIsolating(writes.slice(half), connection);
      if (!second) return undefined;
      return {
        outcomes: [...first.outcomes, ...second.outcomes],
        applied: [...first.applied, ...second.applied],
        kept: [...first.kept, ...second.kept],
      };
    }
  }

  /**
   * Applies a batch, holding it through a database outage and through any failure that is not the writes' own
   * ({@link isWriteFault}): those are retried with backoff rather than dead-lettering writes that were accepted, and
   * never end the process. Returns each write's outcome and the mutations that took effect (from the engine's own
   * notification: only this consumer applies to this engine, one batch at a time); throws {@link WriteFault}.
   */
  private async applyWithRetry(
    writes: Write[],
    connection: ChannelModel,
  ): Promise<{ outcomes: ApplyOutcome[]; applied: Mutation[] } | undefined> {
    for (let attempt = 0; ; attempt++) {
      const applied: Mutation[] = [];
      const off = this.options.engine.onApplied((mutations) => applied.push(...mutations));
      try {
        const outcomes = await this.options.engine.apply(writes);
        if (this.dbDown) this.options.logger.info('database reachable again');
        this.dbDown = undefined;
        return { outcomes, applied };
      } catch (err) {
        if (isWriteFault(err)) throw new WriteFault(err);
        const unavailable = isKvError(err) && err.code === 'KV_ERR_UNAVAILABLE';
        if (!this.dbDown) {
          if (unavailable) this.options.logger.warn({ err: err.message }, 'database unavailable; holding the batch');
          else this.options.logger.error({ err }, 'applying a batch failed; holding it and trying again');
        }
        this.dbDown = (err as Error).message;
        if (this.closed.has(connection)) return undefined;
        await new Promise((r) => setTimeout(r, Math.min(2000, 50 * 2 ** attempt) * (0.5 + Math.random())));
      } finally {
        off();
      }
    }
  }

  /** Publishes a batch's outcomes to `kv.changes`; resolves with whether the broker confirmed them. */
  private async publishChanges(applied: readonly Mutation[], settled: readonly Settlement[]): Promise<boolean> {
    const publisher = this.publisher;
    if (!publisher) return false;
    return inSpan(
      tracer,
      KV_SPANS.changesPublish,
      SpanKind.PRODUCER,
      () => changesAttributes(settled),
      (span) =>
        new Promise<boolean>((resolve) => {
          publisher.publish(
            CHANGES_EXCHANGE,
            '',
            encodeChanges({ applied, settled }),
            { contentType: 'application/json', headers: injectContext() },
            (err: unknown) => {
              if (err) span.setStatus({ code: SpanStatusCode.ERROR, message: 'not confirmed' });
              resolve(!err);
            },
          );
        }),
    ).catch(() => false);
  }

  /**
   * Publishes a committed batch's outcomes until the broker confirms them, with backoff — holding the batch unacked
   * and the batches behind it, so `?wait=applied` waiters and watchers never miss a change that was committed.
   * Resolves true once confirmed, false if the connection its deliveries came on went (they are redelivered, and the redelivery
   * announces the writes again: see the class comment) or the consumer is draining with the broker refusing.
   */
  private async announce(
    applied: readonly Mutation[],
    settled: readonly Settlement[],
    connection: ChannelModel,
  ): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      if (await this.publishChanges(applied, settled)) {
        if (attempt > 0) this.options.logger.info({ attempts: attempt + 1 }, 'kv.changes publish confirmed');
        return true;
      }
      if (this.closed.has(connection) || this.draining) return false;
      this.options.metrics.changesRetries.inc();
      const delayMs = Math.min(5000, 100 * 2 ** attempt);
      if (attempt === 0) {
        this.options.logger.warn({ retryInMs: delayMs }, 'kv.changes publish not confirmed; publishing it again');
      }
      await new Promise((r) => setTimeout(r, delayMs));
    }
  }

  private async deadLetter(delivery: Delivery, reason: string): Promise<void> {
    const publisher = this.publisher;
    if (!publisher) {
      // No channel to publish on (being reopened): left unacked to come again, out of reach of a `multiple` ack.
      this.channelsWithHoles.add(delivery.sub.channel);
      return;
    }
    const headers = { ...delivery.msg.properties.headers, [REASON_HEADER]: reason };
    const ok = await new Promise<boolean>((resolve) => {
      try {
        publisher.sendToQueue(
          DEAD_LETTER_QUEUE,
          delivery.msg.content,
          { persistent: true, headers, contentType: delivery.msg.properties.contentType },
          (err: unknown) => resolve(!err),
        );
      } catch {
        resolve(false);
      }
    });
    if (!ok) {
      // Not acked: comes back and is dead-lettered again (a later `multiple` ack must not settle it meanwhile).
      this.channelsWithHoles.add(delivery.sub.channel);
      return;
    }
    this.options.logger.warn({ reason }, 'dead-lettered a write message');
    this.options.metrics.deadLettered.inc();
    this.ack(delivery);
  }

  /**
   * Acks a batch: one `multiple` ack per channel (its highest delivery tag), instead of a frame — and a socket write —
   * per message. Every lower tag on that channel is settled by then (batches are taken in delivery order and their
   * post-commit stages run in order; dead-lettered ones were acked at once) unless a dead-letter publish failed and
   * left its message unacked to come again: on such a channel, acks stay one by one so that message is not swept up.
   */
  private ackAll(deliveries: readonly Delivery[]): void {
    const highest = new Map<Channel, Delivery>();
    for (const d of deliveries) {
      if (this.channelsWithHoles.has(d.sub.channel)) {
        this.ack(d);
        continue;
      }
      const top = highest.get(d.sub.channel);
      if (!top || d.msg.fields.deliveryTag > top.msg.fields.deliveryTag) highest.set(d.sub.channel, d);
    }
    for (const d of highest.values()) this.ack(d, true);
  }

  /** Channels holding a delivery left unacked on purpose (a failed dead-letter publish): no `multiple` acks there. */
  private readonly channelsWithHoles = new WeakSet<Channel>();

  private ack(delivery: Delivery, allUpTo = false): void {
    try {
      delivery.sub.channel.ack(delivery.msg, allUpTo);
    } catch {
      // The channel closed after the commit: the message is redelivered and settles as superseded.
    }
  }
}

/**
 * How many times a message has been delivered, this delivery included. A redelivery here always follows a return
 * without a verdict — a replica that crashed, lost its connection or handed the partition over — never a reject.
 * RabbitMQ before 4.3 counts every return in `x-delivery-count`; from 4.3 that header counts only the failures a
 * consumer reports (`basic.reject`), and `x-acquired-count` counts every delivery. The larger of the two is the count
 * on either, so a write that brings its replica down every time still reaches the dead-letter queue.
 */
export function deliveryAttempts(headers: Record<string, unknown> | undefined): number {
  const count = (value: unknown) => {
    const n = Number(value ?? 0);
    return Number.isFinite(n) && n > 0 ? n : 0;
  };
  return Math.max(count(headers?.['x-delivery-count']), count(headers?.['x-acquired-count'])) + 1;
}

/** A write the database refused for its own content; {@link WriteConsumer} dead-letters it alone. */
class WriteFault extends Error {
  constructor(cause: unknown) {
    const e = cause as { message?: unknown; code?: unknown };
    const code = typeof e?.code === 'string' ? ` (${e.code})` : '';
    super(`${typeof e?.message === 'string' ? e.message : String(cause)}${code}`, { cause });
  }
}

/** KvError codes that name something wrong with the write itself (its key, value or shape), not with the system. */
const WRITE_FAULT_CODES = new Set([
  'KV_ERR_INVALID_KEY',
  'KV_ERR_INVALID_VALUE',
  'KV_ERR_INVALID_ARGUMENT',
  'KV_ERR_KEY_TOO_LARGE',
  'KV_ERR_VALUE_TOO_LARGE',
]);

/**
 * Whether the engine refused a batch because of what one of its writes holds, the same each time it is tried: a
 * validation error, or a SQLSTATE of class 22 (data exception, e.g. a character the database's text cannot hold) or
 * 23 (integrity constraint). Everything else — an unreachable database, serialization failures past the engine's
 * own retries, a statement timeout, a schema problem — is the system's, and retrying the batch is right.
 */
export function isWriteFault(err: unknown): boolean {
  if (isKvError(err)) return WRITE_FAULT_CODES.has(err.code);
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code);
}

/**
 * Most message bytes one batch takes (at least one message): a batch is one SQL transaction sent as one protocol
 * message, with each value hex-encoded, and CockroachDB refuses a message over 16 MiB
 * (`sql.conn.max_read_buffer_message_size`) — a refusal no retry of the same batch gets past.
 */
export const MAX_BATCH_BYTES = 4 * 1024 * 1024;

/** How many of the buffered deliveries the next batch takes: at most `maxBatch`, and {@link MAX_BATCH_BYTES}. */
export function deliveryBatchLength(
  buffer: ReadonlyArray<{ readonly msg: { readonly content: Buffer } }>,
  maxBatch: number,
): number {
  return batchLength(buffer, maxBatch, MAX_BATCH_BYTES, (d) => d.msg.content.length);
}
