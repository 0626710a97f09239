export * from './config.js';
export * from './data-plane.js';
export * from './distributed.js';
export * from './distributed-config.js';
export * from './embedded.js';
export * from './local-write-path.js';
export * from './watch-hub.js';
export * from './write-path.js';
