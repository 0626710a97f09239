import { randomBytes } from 'node:crypto';
import type { RunningConsumer } from '@kverse/consumer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AckLog,
  type ApiNode,
  type PutAnswer,
  put,
  requireServices,
  service,
  settle,
  sleep,
  startApiNode,
  startInProcessConsumer,
} from './cluster.js';

// RabbitMQ stopped under HTTP load: the API never answers 202 for a write it could lose. Every answer is a 202 that
// ends up in PostgreSQL, or the documented 503 with Retry-After and KV_ERR_UNAVAILABLE.
describe('fault: RabbitMQ down behind the REST API', () => {
  const run = randomBytes(4).toString('hex');
  let node: ApiNode;
  let consumer: RunningConsumer;

  beforeAll(async () => {
    await requireServices();
    consumer = await startInProcessConsumer();
    node = await startApiNode();
  });
  afterAll(async () => {
    service('rabbitmq');
    await node?.close();
    await consumer?.close();
  });

  it('answers 503 + Retry-After + KV_ERR_UNAVAILABLE while the broker is stopped, never 202, and loses no 202', async () => {
    const acks = new AckLog();
    const answers: PutAnswer[] = [];
    let stop = false;
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        const key = `${run}/k${i % 16}`;
        const answer = await put(node.url, key, `v${i}`);
        answers.push(answer);
        acks.record(key, answer);
        if (answer.status !== 202) await sleep(50);
      }
    })();
    let duringOutage: PutAnswer;
    try {
      await sleep(500);
      service('rabbitmq', 'stop');
      await sleep(300);
      duringOutage = await put(node.url, `${run}/during`, 'x');
    } finally {
      service('rabbitmq');
    }
    expect(duringOutage.status).toBe(503);
    expect(duringOutage.code).toBe('KV_ERR_UNAVAILABLE');
    expect(Number(duringOutage.retryAfter)).toBeGreaterThan(0);

    // Writes are accepted again once the broker is back.
    const deadline = Date.now() + 30_000;
    while (answers.at(-1)?.status !== 202 && Date.now() < deadline) await sleep(200);
    await sleep(500);
    stop = true;
    await writer;

    const statuses = new Set(answers.map((a) => a.status));
    expect([...statuses].sort()).toEqual([202, 503]);
    for (const a of answers.filter((a) => a.status === 503)) {
      expect(a.code).toBe('KV_ERR_UNAVAILABLE');
      expect(a.retryAfter).toMatch(/^[1-9][0-9]*$/);
    }
    const stored = await settle(acks, 45_000);
    for (const [key, version] of acks.highest) expect(stored.get(key) ?? -1n).toBeGreaterThanOrEqual(version);
  });
});
