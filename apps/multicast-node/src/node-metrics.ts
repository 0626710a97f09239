import { Counter, Gauge, Histogram, LATENCY_BUCKETS, type Registry } from '@kverse/runtime';
import type { OrderingEvents } from './ordering.js';
import type { DropReason } from './wire.js';

/**
 * The node's Prometheus metrics. One node per registry: a process running several nodes (the lab, the benchmark)
 * gives each its own registry.
 */
export class NodeMetrics {
  readonly sent: Counter<'kind'>;
  readonly received: Counter<'kind'>;
  readonly dropped: Counter<'reason'>;
  readonly duplicates: Counter<'kind'>;
  readonly retransmitted: Counter;
  readonly nacked: Counter;
  readonly delivered: Counter;
  readonly deliveryLatency: Histogram;
  readonly epoch: Gauge;
  readonly resets: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.sent = new Counter({
      name: 'kverse_multicast_sent_total',
      help: 'Datagrams sent',
      labelNames: ['kind'],
      registers,
    });
    this.received = new Counter({
      name: 'kverse_multicast_received_total',
      help: 'Valid datagrams received',
      labelNames: ['kind'],
      registers,
    });
    this.dropped = new Counter({
      name: 'kverse_multicast_dropped_total',
      help: 'Datagrams dropped on receipt: oversized, malformed (not JSON) or invalid (schema)',
      labelNames: ['reason'],
      registers,
    });
    this.duplicates = new Counter({
      name: 'kverse_multicast_duplicates_total',
      help: 'Copies of datagrams already handled',
      labelNames: ['kind'],
      registers,
    });
    this.retransmitted = new Counter({
      name: 'kverse_multicast_retransmitted_total',
      help: 'Orders sent again on request',
      registers,
    });
    this.nacked = new Counter({ name: 'kverse_multicast_nacked_total', help: 'Orders requested again', registers });
    this.delivered = new Counter({
      name: 'kverse_multicast_delivered_total',
      help: 'Commands delivered to the replica',
      registers,
    });
    this.deliveryLatency = new Histogram({
      name: 'kverse_multicast_delivery_seconds',
      help: 'Time from issuing a command on this node to its delivery here',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.resets = new Counter({
      name: 'kverse_multicast_resets_total',
      help: 'Times this replica was dropped and rebuilt from the log after missing a sequencer takeover',
      registers,
    });
    this.epoch = new Gauge({
      name: 'kverse_multicast_sequencer_epoch',
      help: 'Epoch of the sequencer this node follows (total order)',
      registers,
    });
  }

  /** Ordering-layer events mapped onto these metrics. */
  orderingEvents(): OrderingEvents {
    return {
      duplicate: (kind) => this.duplicates.inc({ kind }),
      retransmitted: (n) => this.retransmitted.inc(n),
      nackSent: (n) => this.nacked.inc(n),
      sequencerChanged: (epoch) => this.epoch.set(epoch),
    };
  }

  drop(reason: DropReason): void {
    this.dropped.inc({ reason });
  }
}
