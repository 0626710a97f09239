import { randomBytes } from 'node:crypto';
import { KvError, validateKey, validateValue } from '@kverse/kv-core';
import type { Logger } from '@kverse/runtime';
import type { NodeMetrics } from './node-metrics.js';
import { ORDER_OVERHEAD_BYTES } from './order-batcher.js';
import { type Delivery, type OrderingLayer, type OrderingStatus, originKey } from './ordering.js';
import { Replica, type Snapshot } from './replica.js';
import { TotalOrder, type TotalOrderTiming } from './total-order.js';
import type { Transport } from './transport.js';
import { UnorderedDelivery } from './unordered.js';
import { type Command, type Datagram, decode, encode, type Origin } from './wire.js';

export interface MulticastNodeOptions {
  readonly nodeId: string;
  readonly ordering: 'none' | 'total';
  readonly transport: Transport;
  readonly maxDatagramBytes: number;
  readonly timing: TotalOrderTiming;
  readonly logger: Logger;
  readonly metrics: NodeMetrics;
}

/** What `/state` answers. */
export interface NodeState {
  readonly node: string;
  readonly transport: string;
  readonly ordering: OrderingStatus;
  readonly snapshot: Snapshot;
}

/**
 * One replica of the seed's key-value store: transport below, ordering layer in the middle, dictionary on top.
 * Commands typed here are sent to the group and applied only when they come back (in `total`, in the agreed order).
 */
export class MulticastNode {
  readonly nodeId: string;
  private readonly replica = new Replica();
  private readonly layer: OrderingLayer;
  private readonly issuedAt = new Map<string, number>();
  private readonly listeners = new Set<(delivery: Delivery, order: number) => void>();
  private readonly log: Logger;
  private closed = false;

  constructor(private readonly options: MulticastNodeOptions) {
    this.nodeId = options.nodeId;
    this.log = options.logger.child({ node: options.nodeId });
    const ctx = {
      nodeId: options.nodeId,
      incarnation: randomBytes(4).toString('hex'),
      send: (message: Datagram) => this.send(message),
      maxDatagramBytes: options.maxDatagramBytes,
      events: options.metrics.orderingEvents(),
    };
    this.layer = options.ordering === 'total' ? new TotalOrder(ctx, options.timing) : new UnorderedDelivery(ctx);
    this.layer.onDeliver((delivery) => this.apply(delivery));
    this.layer.onReset(() => {
      this.log.warn({ discarded: this.replica.snapshot().applied }, 'rejoining after a takeover without us; replaying');
      this.options.metrics.resets.inc();
      this.replica.clear();
    });
    options.transport.onReceive((bytes, from) => this.receive(bytes, from));
  }

  start(): this {
    this.layer.start();
    this.log.info(
      { ordering: this.options.ordering, transport: this.options.transport.describe() },
      'multicast node started',
    );
    return this;
  }

  /**
   * Sends a command to the group. Returns once it is sent — not applied: it is applied here, as everywhere, when it
   * is delivered. Throws a {@link KvError} for an invalid key or value, or a command too large for one datagram.
   */
  submit(cmd: Command): Origin {
    if (this.closed) throw new KvError('KV_ERR_SHUTTING_DOWN', 'node is shutting down');
    if (cmd.op === 'SET' || cmd.op === 'GET') validateKey(cmd.key);
    if (cmd.op === 'SET') validateValue(cmd.value);
    // Checked against the larger of its two datagrams (the `order`), so no command is stuck at the sequencer.
    const size = Buffer.byteLength(JSON.stringify(cmd)) + ORDER_OVERHEAD_BYTES;
    if (size > this.options.maxDatagramBytes) {
      throw new KvError(
        'KV_ERR_PAYLOAD_TOO_LARGE',
        `command needs ${size} bytes; datagrams are limited to ${this.options.maxDatagramBytes}`,
      );
    }
    const origin = this.layer.submit(cmd);
    this.issuedAt.set(originKey(origin), performance.now());
    // Commands lost for good (ORDERING=none) never come back; do not keep their start times forever.
    if (this.issuedAt.size > 100_000) this.issuedAt.clear();
    return origin;
  }

  /** The local value of `key` (what this replica has applied so far). */
  get(key: string): string | undefined {
    return this.replica.get(key);
  }

  snapshot(): Snapshot {
    return this.replica.snapshot();
  }

  state(): NodeState {
    return {
      node: this.nodeId,
      transport: this.options.transport.describe(),
      ordering: this.layer.status(),
      snapshot: this.replica.snapshot(),
    };
  }

  /**
   * Resolves once every command issued here has been delivered here, or after `timeoutMs` (a command lost for
   * good under `none` never is). Lets `EXIT` at the end of a piped script see its last `SET` applied.
   */
  async drain(timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (this.issuedAt.size > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  }

  /** Calls `listener` after each delivered command is applied; returns the unsubscribe function. */
  onDelivery(listener: (delivery: Delivery, order: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.layer.stop();
    await this.options.transport.close();
    this.log.info('multicast node stopped');
  }

  private send(message: Datagram): void {
    let bytes: Buffer;
    try {
      bytes = encode(message, this.options.maxDatagramBytes);
    } catch (err) {
      this.log.error({ err, kind: message.t }, 'datagram too large; not sent');
      return;
    }
    this.options.metrics.sent.inc({ kind: message.t });
    this.options.transport.broadcast(bytes);
  }

  private receive(bytes: Buffer, from: string): void {
    const decoded = decode(bytes, this.options.maxDatagramBytes);
    if (!decoded.ok) {
      this.options.metrics.drop(decoded.reason);
      this.log.warn({ from, reason: decoded.reason, detail: decoded.detail }, 'dropped datagram');
      return;
    }
    this.options.metrics.received.inc({ kind: decoded.message.t });
    this.layer.receive(decoded.message);
  }

  private apply(delivery: Delivery): void {
    const { origin, cmd } = delivery;
    const order = this.replica.apply(cmd);
    this.options.metrics.delivered.inc();
    const key = originKey(origin);
    const issued = this.issuedAt.get(key);
    if (issued !== undefined) {
      this.issuedAt.delete(key);
      this.options.metrics.deliveryLatency.observe((performance.now() - issued) / 1000);
    }
    const log = this.log;
    const fields = {
      message: key,
      sender: origin.from,
      command: cmd.op,
      order,
      gseq: delivery.gseq,
    };
    if (cmd.op === 'SET') log.info({ ...fields, key: cmd.key, value: cmd.value }, 'applied SET');
    else if (cmd.op === 'GET') log.info({ ...fields, key: cmd.key, value: this.replica.get(cmd.key) ?? null }, 'GET');
    else if (cmd.op === 'PRINT') log.info({ ...fields, snapshot: this.replica.snapshot() }, 'PRINT');
    for (const listener of this.listeners) listener(delivery, order);
  }
}
