import { HybridClock, type KvEngine } from '@kverse/kv-core';
import { openLogEngine } from '@kverse/log-engine';
import type { ConfigOf, Logger, ReadinessCheck } from '@kverse/runtime';
import { type dataPlaneConfigSpec, defaultWriterId, limitsOf } from './config.js';
import { DataPlane } from './data-plane.js';
import { startHousekeeping } from './housekeeping.js';
import { LocalWritePath } from './local-write-path.js';
import { WatchHub } from './watch-hub.js';

export type DataPlaneConfig = ConfigOf<typeof dataPlaneConfigSpec>;

/** A data plane with what it was built from, for readiness reporting and shutdown. */
export interface OpenedDataPlane {
  readonly dataPlane: DataPlane;
  readonly engine: KvEngine;
  readonly readiness: readonly ReadinessCheck[];
  /** Closes the data plane, then the engine (flushing the log). */
  close(): Promise<void>;
}

/**
 * The embedded data plane (`npm start` with no service URLs): the log engine in `dataDir`, the in-process write
 * path, and the engine's own change notifications as the change stream.
 */
export async function openEmbeddedDataPlane(config: DataPlaneConfig, logger: Logger): Promise<OpenedDataPlane> {
  const engine = await openConfiguredLogEngine(config, logger);
  const writePath = new LocalWritePath(engine);
  const clock = new HybridClock({ writer: config.writerId ?? defaultWriterId() });
  const hub = new WatchHub({
    retention: config.watchRetention,
    retentionBytes: config.watchRetentionBytes,
    maxPending: config.watchBuffer,
  });
  const dataPlane = new DataPlane({
    reader: engine,
    writePath,
    changes: engine,
    hub,
    clock,
    limits: limitsOf(config),
  });
  const housekeeping = startHousekeeping({ engine, clock, submit: (write) => writePath.submit(write), config, logger });
  logger.info({ dataDir: config.dataDir, fsync: config.fsync, writer: clock.writer }, 'embedded data plane open');
  return {
    dataPlane,
    engine,
    readiness: [{ name: 'log-engine', required: true, check: () => writePath.health() }],
    async close() {
      await housekeeping.stop();
      await dataPlane.close();
      await engine.close();
    },
  };
}

/** The log engine in `config.dataDir`, as the data plane configures it. */
export function openConfiguredLogEngine(config: DataPlaneConfig, logger: Logger): Promise<KvEngine> {
  return openLogEngine({
    dir: config.dataDir,
    sync: config.fsync,
    // The engine checks every write against the limits too: the configured ones, or a raised limit would refuse
    // the front door's writes there (and every write batched with them).
    limits: limitsOf(config),
    logger: logger.child({ component: 'log-engine' }),
  });
}
