import type { Mutation } from '@kverse/kv-core';
import { KV_ATTRS, kvTracer } from '@kverse/telemetry';
import type { Attributes } from '@opentelemetry/api';

/** Spans of the cache (`kv.cache update`, one per applied batch); no-ops until an app starts the SDK. */
export const tracer = kvTracer('@kverse/redis-cache');

/** Attributes of a `kv.cache update` span: the batch, and its key when it holds one change. */
export function cacheAttributes(applied: readonly Mutation[]): Attributes {
  return {
    [KV_ATTRS.dbSystem]: 'redis',
    [KV_ATTRS.dbOperation]: 'versioned set',
    [KV_ATTRS.dbBatchSize]: applied.length,
    ...(applied.length === 1 && applied[0] ? { [KV_ATTRS.key]: applied[0].key } : {}),
  };
}
