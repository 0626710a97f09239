import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEngineConformance, type EngineFactory } from '@kverse/kv-core/conformance';
import { createLogger } from '@kverse/runtime';
import { openLogEngine, type SyncMode } from '../src/index.js';

// The shared KvEngine suite, once per sync mode: they differ in how commits are grouped and fsynced, which is
// exactly where ordering and durability bugs would hide. A small snapshot trigger makes snapshots, log rotation
// and recovery from snapshot + log part of every suite run.
function factory(sync: SyncMode): EngineFactory {
  return async () => {
    const dir = await mkdtemp(join(tmpdir(), `kverse-log-${sync}-`));
    const logger = createLogger({ name: 'log-engine', level: 'silent' });
    return {
      open: () => openLogEngine({ dir, sync, logger, snapshotEvery: { mutations: 7 }, segmentBytes: 4096 }),
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  };
}

describeEngineConformance('log engine, group commit', factory('group'));
describeEngineConformance('log engine, fsync per write', factory('per-write'), { propertyRuns: 10 });
describeEngineConformance('log engine, no fsync', factory('none'), { propertyRuns: 60 });
