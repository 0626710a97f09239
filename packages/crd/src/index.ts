export * from './crd-manifest.js';
export * from './generated-files.js';
export * from './kvstore.js';
export * from './kvstore-spec.js';
export * from './kvstore-status.js';
export * from './openapi.js';
export * from './reference-doc.js';
export * from './schema-helpers.js';
