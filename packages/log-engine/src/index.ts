export { LogEngine, openLogEngine } from './log-engine.js';
export type { LogEngineOptions, LogEngineStats, SyncMode } from './options.js';
export type { SnapshotTrigger } from './snapshot-scheduler.js';
