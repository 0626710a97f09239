import type { HybridClock, KvEngine, Write } from '@kverse/kv-core';
import type { Logger } from '@kverse/runtime';
import { ExpirySweeper } from './expiry-sweeper.js';
import { TombstoneCollector } from './tombstone-collector.js';

export interface HousekeepingOptions {
  readonly engine: Pick<KvEngine, 'listExpired' | 'purgeTombstones'>;
  /** Mints the stamps of the expiry deletes. */
  readonly clock: HybridClock;
  /** Sends an expiry delete down the write path the process's writes take. */
  readonly submit: (write: Write) => Promise<unknown>;
  readonly config: { readonly expirySweepMs: number; readonly tombstoneRetentionMs: number };
  /** Whether this process does the work now (one of several replicas). @default always */
  readonly active?: () => boolean;
  readonly logger: Logger;
}

/**
 * The background work of whatever applies writes to an engine (the embedded server, a consumer): the expiry sweep
 * (TTL) and tombstone collection. Resolves `stop()` once neither is running.
 */
export function startHousekeeping(options: HousekeepingOptions): { stop(): Promise<void> } {
  const { engine, config, logger } = options;
  const sweeper = new ExpirySweeper({
    engine,
    clock: options.clock,
    submit: options.submit,
    intervalMs: config.expirySweepMs,
    ...(options.active ? { active: options.active } : {}),
    logger: logger.child({ component: 'expiry' }),
  }).start();
  const collector = new TombstoneCollector({
    engine,
    retentionMs: config.tombstoneRetentionMs,
    ...(options.active ? { active: options.active } : {}),
    logger: logger.child({ component: 'tombstones' }),
  }).start();
  return {
    async stop() {
      await Promise.all([sweeper.stop(), collector.stop()]);
    },
  };
}
