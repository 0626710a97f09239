import type { KvEngine } from '@kverse/kv-core';
import type { Logger } from '@kverse/runtime';
import { Periodic } from './periodic.js';

/** Longest time between collections. */
const MAX_INTERVAL_MS = 10 * 60_000;

export interface TombstoneCollectorOptions {
  /** Where the tombstones are. */
  readonly engine: Pick<KvEngine, 'purgeTombstones'>;
  /** How long a delete's tombstone is kept; 0 keeps every tombstone. */
  readonly retentionMs: number;
  /** Time between collections. @default the retention, at most 10 minutes */
  readonly intervalMs?: number;
  /** Whether to collect now (one of several replicas does). @default always */
  readonly active?: () => boolean;
  readonly logger: Logger;
}

/**
 * Removes the tombstones of deletes older than the retention. A delete is stored as a versioned tombstone so that a
 * write older than it — a late or redelivered message — cannot bring the key back; once no such write can still be
 * in flight, the tombstone only takes space (without collection, every key ever deleted stays in the table or the
 * log engine's index for good). Running it in several replicas at once is harmless: each removes what is left.
 */
export class TombstoneCollector {
  private readonly periodic: Periodic | undefined;

  constructor(private readonly options: TombstoneCollectorOptions) {
    this.periodic =
      options.retentionMs > 0
        ? new Periodic(
            options.intervalMs ?? Math.min(options.retentionMs, MAX_INTERVAL_MS),
            () => this.collect(),
            options.logger,
            'tombstone collection',
            options.active,
          )
        : undefined;
  }

  start(): this {
    this.periodic?.start();
    return this;
  }

  /** Collects now; resolves with the number of tombstones removed (0 when the retention is 0). */
  async collect(): Promise<number> {
    if (this.options.retentionMs <= 0) return 0;
    const removed = await this.options.engine.purgeTombstones(Date.now() - this.options.retentionMs);
    if (removed > 0) this.options.logger.info({ removed }, 'tombstones of old deletes removed');
    return removed;
  }

  async stop(): Promise<void> {
    await this.periodic?.stop();
  }
}
