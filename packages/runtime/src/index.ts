export * from './batching.js';
export * from './config.js';
export * from './health.js';
export * from './logging.js';
export * from './metrics.js';
export * from './metrics-server.js';
export * from './shutdown.js';
