import type { Write } from '@kverse/kv-core';
import { KV_ATTRS, kvTracer } from '@kverse/telemetry';
import type { Attributes } from '@opentelemetry/api';

/** Spans of the SQL engine (`kv.db apply`, one per committed batch); no-ops until an app starts the SDK. */
export const tracer = kvTracer('@kverse/sql-engine');

/** Attributes of a `kv.db apply` span: the batch, and its key when it holds one write. */
export function dbAttributes(batch: readonly Write[]): Attributes {
  const only = batch.length === 1 ? batch[0] : undefined;
  return {
    [KV_ATTRS.dbSystem]: 'postgresql',
    [KV_ATTRS.dbOperation]: 'apply',
    [KV_ATTRS.dbBatchSize]: batch.length,
    ...(only && only.op !== 'txn' ? { [KV_ATTRS.key]: only.key } : {}),
  };
}
