export * from './batch-plan.js';
export * from './retry.js';
export * from './schema.js';
export * from './sql-engine.js';
