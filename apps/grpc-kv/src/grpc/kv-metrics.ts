import { Counter, Gauge, Histogram, LATENCY_BUCKETS, type Registry } from '@kverse/runtime';

/** Prometheus metrics of the gRPC KV front door, registered once on the process registry. */
export class KvMetrics {
  readonly requests: Counter<'method' | 'code'>;
  readonly latency: Histogram<'method'>;
  readonly watchers: Gauge;
  readonly watchEvents: Counter;
  readonly watchEnded: Counter<'reason'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.requests = new Counter({
      name: 'kverse_grpc_kv_requests_total',
      help: 'KvStore calls finished, by method and gRPC status name',
      labelNames: ['method', 'code'],
      registers,
    });
    this.latency = new Histogram({
      name: 'kverse_grpc_kv_request_duration_seconds',
      help: 'Unary KvStore call latency, from handler start to response',
      labelNames: ['method'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.watchers = new Gauge({
      name: 'kverse_grpc_kv_watchers',
      help: 'Open Watch streams',
      registers,
    });
    this.watchEvents = new Counter({
      name: 'kverse_grpc_kv_watch_events_total',
      help: 'Changes written to Watch streams',
      registers,
    });
    this.watchEnded = new Counter({
      name: 'kverse_grpc_kv_watch_ended_total',
      help: 'Watch streams ended, by reason (cancelled, slow_consumer, compacted, shutting_down, revoked, error)',
      labelNames: ['reason'],
      registers,
    });
  }
}
