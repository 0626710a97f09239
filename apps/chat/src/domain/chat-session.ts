import { KvError } from '@kverse/kv-core';
import type { ChatRecord, OutboundEvent } from './chat-events.js';
import type { TokenBucket } from './token-bucket.js';

/** The transport end of one connection, as the hub sees it. */
export interface SessionSink {
  /** Hands one event to the transport; `false` means its buffer is full: write again after `resume()`. */
  write(event: OutboundEvent): boolean;
  /** Ends the connection with an error the client receives as the call's status. */
  fail(error: KvError): void;
}

/** One connection's place in one room. */
export interface Membership {
  readonly room: string;
  readonly user: string;
  /** Unique per connection and room, across replicas: `<replica>/<session>`. */
  readonly member: string;
  epoch: string;
  /** The last offset delivered to this connection (or skipped as before its join). */
  lastOffset: number;
  /** While the join reads history, live messages wait here so nothing is lost or reordered. */
  pending: ChatRecord[] | undefined;
}

/**
 * One client connection: its rooms, its rate limit, and a bounded queue in front of the transport. Events wait in
 * the queue only while the transport pushes back; when more than `sendQueueSize` messages wait, the client is not keeping
 * up and is disconnected (KV_ERR_SLOW_CONSUMER) rather than letting memory grow.
 */
export class ChatSession {
  readonly memberships = new Map<string, Membership>();
  readonly bucket: TokenBucket;
  /** Envelopes are handled one after another, in arrival order, even when one waits on the backplane. */
  inbox: Promise<void> = Promise.resolve();
  private queue: OutboundEvent[] = [];
  private queueHead = 0;
  /** Messages waiting (a batch counts each of its messages), bounded by sendQueueSize. */
  private queuedWeight = 0;
  private blocked = false;
  private closedWith: KvError | 'closed' | undefined;

  constructor(
    readonly id: string,
    private readonly sink: SessionSink,
    private readonly sendQueueSize: number,
    bucket: TokenBucket,
    private readonly onSlowConsumer: (session: ChatSession) => void,
  ) {
    this.bucket = bucket;
  }

  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  /** The error the connection was ended with, if the server ended it. */
  get failure(): KvError | undefined {
    return this.closedWith instanceof KvError ? this.closedWith : undefined;
  }

  /** Messages (and other events) waiting for the transport. */
  get queued(): number {
    return this.queuedWeight;
  }

  /** Sends or queues one event; a connection that falls too far behind is disconnected. */
  send(event: OutboundEvent): void {
    if (this.closedWith) return;
    if (!this.blocked) {
      this.blocked = !this.sink.write(event);
      return;
    }
    if (this.queued >= this.sendQueueSize) {
      this.fail(
        new KvError(
          'KV_ERR_SLOW_CONSUMER',
          `slow consumer: more than ${this.sendQueueSize} messages waited for this connection; reconnect and resume`,
          { details: { queued: this.queued } },
        ),
      );
      this.onSlowConsumer(this);
      return;
    }
    this.queue.push(event);
    this.queuedWeight += weightOf(event);
  }

  /** The transport can take more: writes queued events until it pushes back again. */
  resume(): void {
    this.blocked = false;
    while (!this.blocked && this.queueHead < this.queue.length && !this.closedWith) {
      const event = this.queue[this.queueHead]!;
      this.queueHead += 1;
      this.queuedWeight -= weightOf(event);
      this.blocked = !this.sink.write(event);
    }
    // Compact now and then instead of shifting on every write.
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
  }

  /** Ends the connection with `error`; queued events are dropped. */
  fail(error: KvError): void {
    if (this.closedWith) return;
    this.closedWith = error;
    this.dropQueue();
    this.sink.fail(error);
  }

  /** Marks the connection closed (the client went away); queued events are dropped. */
  markClosed(): void {
    this.closedWith ??= 'closed';
    this.dropQueue();
  }

  private dropQueue(): void {
    this.queue = [];
    this.queueHead = 0;
    this.queuedWeight = 0;
  }
}

function weightOf(event: OutboundEvent): number {
  return event.kind === 'batch' ? event.records.length : 1;
}
