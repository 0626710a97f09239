export * from './amqp-write-path.js';
export * from './change-source.js';
export * from './consumer-group.js';
export * from './dead-letters.js';
export * from './messages.js';
export * from './reconnector.js';
export * from './topology.js';
export * from './tracing.js';
