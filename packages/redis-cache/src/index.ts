export * from './redis-cache.js';
export * from './redis-cache-config.js';
export * from './versioned-set.js';
