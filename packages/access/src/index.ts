export * from './access-control.js';
export * from './audit-log.js';
export * from './config.js';
export * from './rate-limiter.js';
export * from './tokens.js';
