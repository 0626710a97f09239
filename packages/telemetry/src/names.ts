/**
 * Span and attribute names of the write path, shared by the code that records them, the tests and docs/tracing.md.
 * Attribute names follow the OpenTelemetry semantic conventions where one exists (`messaging.*`, `db.*`, `rpc.*`).
 */
export const KV_SPANS = {
  /** The API (or gRPC front door) publishing one write to `kv.writes`, until the broker confirms it. */
  writePublish: 'kv.write publish',
  /** A consumer applying one write message (parent: the message's publish span). */
  apply: 'kv.apply',
  /** One engine batch committed by the SQL engine. */
  dbApply: 'kv.db apply',
  /** The Redis cache brought in step with one applied batch. */
  cacheUpdate: 'kv.cache update',
  /** A consumer publishing the outcomes of one batch to `kv.changes`. */
  changesPublish: 'kv.changes publish',
} as const;

export const KV_ATTRS = {
  key: 'kv.key',
  op: 'kv.op',
  version: 'kv.version',
  outcome: 'kv.outcome',
  batchSize: 'kv.batch.size',
  messagingSystem: 'messaging.system',
  messagingDestination: 'messaging.destination.name',
  messagingOperation: 'messaging.operation.type',
  messagingRoutingKey: 'messaging.rabbitmq.destination.routing_key',
  messagingMessageId: 'messaging.message.id',
  messagingBatchCount: 'messaging.batch.message_count',
  dbSystem: 'db.system.name',
  dbOperation: 'db.operation.name',
  dbBatchSize: 'db.operation.batch.size',
} as const;
