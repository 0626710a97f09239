import { Counter, Gauge, Histogram, LATENCY_BUCKETS, type Registry } from '@kverse/runtime';

/** What the gauges read when Prometheus scrapes. */
export interface LogEngineGaugeSource {
  readonly keys: () => number;
  readonly tombstones: () => number;
  readonly snapshots: () => number;
}

/** The log engine's Prometheus metrics (`kverse_log_engine_*`), registered in the process's registry. */
export class LogEngineMetrics {
  private readonly fsyncSeconds: Histogram;
  private readonly mutationsPerFsync: Histogram;
  private readonly walBytes: Counter;
  private readonly applied: Counter;

  constructor(registry: Registry, source: LogEngineGaugeSource) {
    this.fsyncSeconds = new Histogram({
      name: 'kverse_log_engine_fsync_seconds',
      help: 'Time of each fdatasync that acknowledges writes',
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    });
    this.mutationsPerFsync = new Histogram({
      name: 'kverse_log_engine_mutations_per_fsync',
      help: 'Mutations made durable by one fdatasync (how well group commit shares it)',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096],
      registers: [registry],
    });
    this.walBytes = new Counter({
      name: 'kverse_log_engine_wal_bytes_total',
      help: 'Bytes appended to the write-ahead log',
      registers: [registry],
    });
    this.applied = new Counter({
      name: 'kverse_log_engine_applied_total',
      help: 'Mutations that took effect (older stamps and redeliveries excluded)',
      registers: [registry],
    });
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers: [registry],
        collect() {
          this.set(read());
        },
      });
    gauge('kverse_log_engine_keys', 'Keys in the table, tombstones included', source.keys);
    gauge('kverse_log_engine_tombstones', 'Tombstones awaiting purge', source.tombstones);
    gauge('kverse_log_engine_snapshots_written', 'Snapshots written since the engine opened', source.snapshots);
  }

  /** A group was written: its mutations that took effect and its frame's bytes. */
  written(mutations: number, bytes: number): void {
    this.walBytes.inc(bytes);
    this.applied.inc(mutations);
  }

  /** An fsync covering `mutations` finished after `seconds`. */
  synced(mutations: number, seconds: number): void {
    this.fsyncSeconds.observe(seconds);
    this.mutationsPerFsync.observe(mutations);
  }
}
