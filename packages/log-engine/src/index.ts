export { LogEngine, type LogEngineOptions, type LogEngineStats, openLogEngine, type SyncMode } from './log-engine.js';
export type { SnapshotTrigger } from './snapshot-scheduler.js';
