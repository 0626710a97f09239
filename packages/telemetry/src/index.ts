export * from './config.js';
export * from './names.js';
export * from './propagation.js';
export * from './spans.js';
export * from './telemetry.js';
