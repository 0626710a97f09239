import { Counter, Gauge, Histogram, LATENCY_BUCKETS, type Registry } from '@kverse/runtime';

/** The consumer's Prometheus metrics. */
export function createConsumerMetrics(registry: Registry) {
  return {
    batchSize: new Histogram({
      name: 'kverse_consumer_batch_size',
      help: 'Messages per applied batch',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000],
      registers: [registry],
    }),
    applySeconds: new Histogram({
      name: 'kverse_consumer_apply_seconds',
      help: 'Time to apply one batch (one database transaction)',
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    lagSeconds: new Gauge({
      name: 'kverse_consumer_lag_seconds',
      help: 'Age of the oldest write in the last applied batch (publish to commit)',
      registers: [registry],
    }),
    messages: new Counter({
      name: 'kverse_consumer_messages_total',
      help: 'Write messages settled, by outcome',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    deadLettered: new Counter({
      name: 'kverse_consumer_dead_lettered_total',
      help: 'Messages sent to the dead-letter queue',
      registers: [registry],
    }),
    groupMembers: new Gauge({
      name: 'kverse_consumer_group_members',
      help: 'Write consumers this one hears from, itself included (0 while disconnected from RabbitMQ)',
      registers: [registry],
    }),
    ownedPartitions: new Gauge({
      name: 'kverse_consumer_owned_partitions',
      help: 'Partitions of kv.writes the consumer group assigns to this consumer',
      registers: [registry],
    }),
    handOvers: new Counter({
      name: 'kverse_consumer_partition_hand_overs_total',
      help: 'Partitions this consumer handed over to their owner in the consumer group',
      registers: [registry],
    }),
    changesRetries: new Counter({
      name: 'kverse_consumer_changes_publish_retries_total',
      help: 'kv.changes messages published again because the broker did not confirm them',
      registers: [registry],
    }),
  };
}

export type ConsumerMetrics = ReturnType<typeof createConsumerMetrics>;
