export * from './apply-rules.js';
export * from './engine.js';
export * from './errors.js';
export * from './hlc.js';
export * from './keys.js';
export * from './limits.js';
