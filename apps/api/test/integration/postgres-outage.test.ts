import { randomBytes } from 'node:crypto';
import type { RunningConsumer } from '@kverse/consumer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AckLog,
  type ApiNode,
  put,
  requireServices,
  service,
  settle,
  sleep,
  startApiNode,
  startInProcessConsumer,
} from './cluster.js';

// PostgreSQL stopped for 20 s under write load: the API keeps accepting (writes wait in RabbitMQ), the consumer holds
// its batch and retries, and after the restart every 202 is in the database.
describe('fault: PostgreSQL stopped for 20 s during load', () => {
  const run = randomBytes(4).toString('hex');
  let node: ApiNode;
  let consumer: RunningConsumer;

  beforeAll(async () => {
    await requireServices();
    consumer = await startInProcessConsumer();
    node = await startApiNode();
  });
  afterAll(async () => {
    service('postgres');
    await node?.close();
    await consumer?.close();
  });

  it('loses no acknowledged write and answers nothing but 202 (or the documented 503)', async () => {
    const acks = new AckLog();
    const statuses: number[] = [];
    let stop = false;
    const writers = Array.from({ length: 4 }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        const key = `${run}/k${(w * 5 + i) % 40}`;
        const answer = await put(node.url, key, `w${w}-${i}`);
        statuses.push(answer.status);
        acks.record(key, answer);
        await sleep(20);
      }
    });
    let duringOutage = 0;
    try {
      await sleep(1000);
      service('postgres', 'stop');
      const stoppedAt = acks.count;
      await sleep(20_000);
      duringOutage = acks.count - stoppedAt;
    } finally {
      service('postgres');
    }
    await sleep(1000);
    stop = true;
    await Promise.all(writers);

    expect(duringOutage).toBeGreaterThan(100);
    expect(statuses.filter((s) => s !== 202 && s !== 503)).toEqual([]);
    const stored = await settle(acks, 30_000);
    const lost = [...acks.highest].filter(([k, v]) => stored.get(k) !== v);
    expect(lost).toEqual([]);
  });
});
