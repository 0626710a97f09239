export * from './redis-cache.js';
export * from './versioned-set.js';
