import { randomBytes } from 'node:crypto';
import { partitionOf } from '@kverse/amqp-write-path';
import { dataPlaneConfigSpec, distributedConfigSpec, openDistributedDataPlane } from '@kverse/data-plane';
import { createLogger, parseConfig } from '@kverse/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningConsumer } from '../../src/app.js';
import { AMQP_URL, DATABASE_URL, openConsumer, REDIS_URL, requireServices } from './cluster.js';

// More partitions than the default 8, with every key on partition 8: consumers of other suites (8 partitions) never
// take these messages, and this consumer gets them after its first subscriptions, while it still subscribes to more.
const PARTITIONS = '16';
const logger = createLogger({ name: 'change-publisher-test', level: process.env.TEST_LOG_LEVEL ?? 'silent' });

describe('write consumer start-up', () => {
  let consumer: RunningConsumer | undefined;
  beforeAll(requireServices);
  afterAll(async () => consumer?.close());

  it('publishes kv.changes for the very first deliveries (the publisher exists before it subscribes)', async () => {
    const opened = await openDistributedDataPlane(
      parseConfig(dataPlaneConfigSpec, {}),
      parseConfig(distributedConfigSpec, { DATABASE_URL, AMQP_URL, REDIS_URL, KVERSE_WRITE_PARTITIONS: PARTITIONS }),
      logger,
    );
    try {
      const run = randomBytes(4).toString('hex');
      const keys: string[] = [];
      for (let i = 0; keys.length < 50; i++) {
        const key = `first-deliveries/${run}/${i}`;
        if (partitionOf(key, Number(PARTITIONS)) === 8) keys.push(key);
      }
      // Queued before any consumer runs; each waits for its settlement on kv.changes.
      const writes = keys.map((key) => opened.dataPlane.put(key, 'v', { waitAppliedMs: 15_000 }));
      await new Promise((r) => setTimeout(r, 500));
      consumer = await openConsumer({ KVERSE_WRITE_PARTITIONS: PARTITIONS });
      const results = await Promise.allSettled(writes);
      expect(results.filter((r) => r.status === 'rejected').map((r) => String(r.reason))).toEqual([]);
    } finally {
      await opened.close();
    }
  });
});
