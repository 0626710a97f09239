import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { OpenedDataPlane } from '@kverse/data-plane';
import { isKvError, type Version } from '@kverse/kv-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningConsumer } from '../../src/app.js';
import { openConsumer, openDataPlane, requireServices, storedVersion } from './cluster.js';

const script = join(import.meta.dirname, '../../../../scripts/services/rabbitmq.sh');
const rabbit = (arg?: string) => execFileSync('bash', arg ? [script, arg] : [script], { stdio: 'ignore' });

// RabbitMQ stopped and started during load: every 202 is applied, every failure is the documented 503.
describe('fault: RabbitMQ restart during writes', () => {
  const run = randomBytes(4).toString('hex');
  let plane: OpenedDataPlane;
  let consumer: RunningConsumer;

  beforeAll(async () => {
    await requireServices();
    consumer = await openConsumer();
    plane = await openDataPlane();
  });
  afterAll(async () => {
    rabbit();
    await plane?.close();
    await consumer?.close();
  });

  it('acknowledges only writes it keeps, answers 503 + Retry-After meanwhile, and recovers', async () => {
    const acked = new Map<string, Version>();
    const failures: string[] = [];
    let stop = false;
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        const key = `${run}/k${i % 20}`;
        try {
          const r = await plane.dataPlane.put(key, `v${i}`);
          if ((acked.get(key) ?? -1n) < r.version) acked.set(key, r.version);
        } catch (err) {
          if (!isKvError(err) || err.code !== 'KV_ERR_UNAVAILABLE' || !err.retryAfterSeconds) throw err;
          failures.push(err.code);
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    })();
    await new Promise((r) => setTimeout(r, 500));
    rabbit('stop');
    await new Promise((r) => setTimeout(r, 1000));
    rabbit();
    const ackedBefore = acked.size;
    const deadline = Date.now() + 60_000;
    await new Promise((r) => setTimeout(r, 3000));
    stop = true;
    await writer;
    expect(failures.length).toBeGreaterThan(0);
    expect(acked.size).toBeGreaterThanOrEqual(ackedBefore);
    for (const [key, version] of acked) {
      while ((await storedVersion(key)) !== version && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 200));
      expect(await storedVersion(key)).toBe(version);
    }
  });
});
