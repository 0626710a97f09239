import { Counter, Gauge, Histogram, type Registry } from '@kverse/runtime';

/** Reconcile duration buckets in seconds: a reconcile applies tens of objects, so 5 ms to 30 s. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The operator's metrics; the names are what the kverse-operator Grafana dashboard queries. */
export class OperatorMetrics {
  readonly reconciles: Counter<'result'>;
  readonly errors: Counter<'code'>;
  readonly duration: Histogram<never>;

  constructor(registry: Registry, queueDepth: () => number) {
    this.reconciles = new Counter({
      name: 'kverse_operator_reconciles_total',
      help: 'Reconciles run, by result (success, error, gone).',
      labelNames: ['result'],
      registers: [registry],
    });
    this.errors = new Counter({
      name: 'kverse_operator_reconcile_errors_total',
      help: 'Reconciles that failed and were retried, by error code.',
      labelNames: ['code'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'kverse_operator_reconcile_duration_seconds',
      help: 'Time one reconcile of a KVStore takes.',
      buckets: DURATION_BUCKETS,
      registers: [registry],
    });
    new Gauge({
      name: 'kverse_operator_queue_depth',
      help: 'KVStores waiting in the work queue.',
      registers: [registry],
      collect() {
        this.set(queueDepth());
      },
    });
  }
}
