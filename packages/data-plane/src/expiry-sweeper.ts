import type { HybridClock, KvEngine, Write } from '@kverse/kv-core';
import type { Logger } from '@kverse/runtime';
import { Periodic } from './periodic.js';

export interface ExpirySweeperOptions {
  /** Where expired keys are found. */
  readonly engine: Pick<KvEngine, 'listExpired'>;
  /** Mints the stamps of the deletes. */
  readonly clock: HybridClock;
  /** Sends a delete down the normal write path (so caches and watchers see it like any delete). */
  readonly submit: (write: Write) => Promise<unknown>;
  /** Time between sweeps. @default 1000 */
  readonly intervalMs?: number;
  /** Most keys deleted per sweep. @default 500 */
  readonly batch?: number;
  /** Whether to sweep now (one of several replicas does). @default always */
  readonly active?: () => boolean;
  readonly logger: Logger;
}

/**
 * Turns expired keys into deletes. Reads already hide a key from the moment it expires; the sweep makes the expiry
 * durable and visible to watchers: each expired key gets a delete conditioned on the version that carried the TTL,
 * so a newer write that landed meanwhile is never removed, and two sweepers (one per consumer replica) deleting the
 * same key are harmless — the second delete fails its condition.
 */
export class ExpirySweeper {
  private readonly periodic: Periodic;
  // Deletes submitted but perhaps not applied yet, by key → version they delete, so the next sweep does not repeat them.
  private submitted = new Map<string, bigint>();

  constructor(private readonly options: ExpirySweeperOptions) {
    this.periodic = new Periodic(
      options.intervalMs ?? 1000,
      () => this.sweep(),
      options.logger,
      'expiry sweep',
      options.active,
    );
  }

  start(): this {
    this.periodic.start();
    return this;
  }

  /** Runs one sweep now; resolves with the number of deletes submitted. */
  async sweep(): Promise<number> {
    const { engine, clock, submit, logger } = this.options;
    const expired = await engine.listExpired(Date.now(), this.options.batch ?? 500);
    // Keys listed again with a delete already submitted keep waiting for it; keys no longer listed are forgotten.
    const next = new Map<string, bigint>();
    const due = expired.filter((r) => {
      if (this.submitted.get(r.key) !== r.version) return true;
      next.set(r.key, r.version);
      return false;
    });
    const results = await Promise.allSettled(
      due.map((r) => {
        clock.observe(r.version);
        const stamp = clock.next();
        return submit({
          op: 'delete',
          key: r.key,
          ...stamp,
          timestamp: Date.now(),
          condition: { expiredVersion: r.version },
        });
      }),
    );
    let failed = 0;
    results.forEach((result, i) => {
      const r = due[i];
      if (result.status === 'rejected') failed++;
      else if (r) next.set(r.key, r.version);
    });
    this.submitted = next;
    if (failed > 0) logger.warn({ failed }, 'could not submit some expiry deletes; retrying next sweep');
    if (due.length > failed) logger.debug({ deleted: due.length - failed }, 'expired keys deleted');
    return due.length - failed;
  }

  stop(): Promise<void> {
    return this.periodic.stop();
  }
}
