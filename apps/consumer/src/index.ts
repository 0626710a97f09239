export * from './app.js';
export * from './config.js';
export * from './consumer-metrics.js';
export * from './write-consumer.js';
