import { randomBytes } from 'node:crypto';
import type { OpenedDataPlane } from '@kverse/data-plane';
import type { KvError, Mutation, Version } from '@kverse/kv-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningConsumer } from '../../src/app.js';
import { keepWriting, openConsumer, openDataPlane, rabbit, requireServices, storedVersion } from './cluster.js';

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
    const writer = keepWriting(plane, run, 20);
    const { acked } = writer;
    await new Promise((r) => setTimeout(r, 500));
    rabbit('stop');
    await new Promise((r) => setTimeout(r, 1000));
    rabbit();
    const ackedBefore = acked.size;
    const deadline = Date.now() + 60_000;
    await new Promise((r) => setTimeout(r, 3000));
    await writer.stop();
    expect(writer.refused()).toBeGreaterThan(0);
    expect(acked.size).toBeGreaterThanOrEqual(ackedBefore);
    for (const [key, version] of acked) {
      while ((await storedVersion(key)) !== version && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 200));
      expect(await storedVersion(key)).toBe(version);
    }
  });

  it('ends watches when the change stream is cut, refuses to resume across the hole, and watches again once it is back', async () => {
    const watch = (fromVersion?: Version) => {
      const seen: Mutation[] = [];
      let ended: KvError | undefined;
      plane.dataPlane.watch(
        { prefix: `${run}/w/` },
        { write: (c) => seen.push(c) > 0, end: (err) => (ended = err) },
        fromVersion === undefined ? {} : { fromVersion },
      );
      return { seen, ended: () => ended };
    };
    const first = watch();
    await plane.dataPlane.put(`${run}/w/a`, 'before', { waitAppliedMs: 10_000 });
    await expect.poll(() => first.seen.length).toBe(1);

    rabbit('stop');
    await expect.poll(() => first.ended()?.code, { timeout: 10_000 }).toBe('KV_ERR_UNAVAILABLE');
    const resumeFrom = BigInt(first.ended()!.details!.resumeFromVersion as string);
    expect(resumeFrom).toBe(first.seen[0]!.version);
    // While the stream is down a watch cannot promise every change: refused with the documented 503.
    expect(() => watch()).toThrowError(expect.objectContaining({ code: 'KV_ERR_UNAVAILABLE' }));
    rabbit();
    // Once the stream is back the hub accepts watches again, but none resuming from before the hole.
    await expect
      .poll(
        () => {
          try {
            return watch(resumeFrom).ended()?.code ?? 'open';
          } catch (err) {
            return (err as KvError).code;
          }
        },
        { timeout: 30_000, interval: 200 },
      )
      .toBe('KV_ERR_COMPACTED');
    const again = watch();
    await expect
      .poll(
        async () => {
          await plane.dataPlane.put(`${run}/w/b`, 'after').catch(() => undefined);
          return again.seen.some((c) => c.key === `${run}/w/b`);
        },
        { timeout: 30_000, interval: 500 },
      )
      .toBe(true);
    expect(again.seen.find((c) => c.key === `${run}/w/b`)).toMatchObject({ value: 'after' });
    // At least once: if the broker went down before the consumer's ack of `w/a` reached it, the redelivery after the
    // restart announces `w/a` again — the same change, with its version.
    for (const c of again.seen.filter((c) => c.key !== `${run}/w/b`)) {
      expect(c).toMatchObject({ key: `${run}/w/a`, value: 'before', version: first.seen[0]!.version });
    }
  });
});
