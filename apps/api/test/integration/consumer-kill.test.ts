import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AckLog, type ApiNode, put, requireServices, settle, sleep, spawnConsumer, startApiNode } from './cluster.js';

// The only consumer (its own process, apps/consumer/dist/main.js) is SIGKILLed under load — a batch in hand, unacked —
// and started again: every 202 the API gave ends up in PostgreSQL.
describe('fault: consumer killed with SIGKILL mid-batch', () => {
  const run = randomBytes(4).toString('hex');
  let node: ApiNode;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    await requireServices();
    node = await startApiNode();
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await node?.close();
  });

  it('loses no acknowledged write', async () => {
    children.push(await spawnConsumer({ KVERSE_CONSUMER_MAX_BATCH: '200' }));
    const acks = new AckLog();
    const statuses: number[] = [];
    let stop = false;
    const writers = Array.from({ length: 16 }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        const key = `${run}/k${(w * 7 + i) % 64}`;
        const answer = await put(node.url, key, `w${w}-${i}`);
        statuses.push(answer.status);
        acks.record(key, answer);
      }
    });
    await sleep(1500);
    const before = acks.count;
    children[0]!.kill('SIGKILL');
    await new Promise((r) => children[0]!.once('exit', r));
    await sleep(1500); // writes keep being accepted with no consumer at all
    children.push(await spawnConsumer());
    await sleep(1500);
    stop = true;
    await Promise.all(writers);

    expect(before).toBeGreaterThan(50);
    expect(new Set(statuses)).toEqual(new Set([202]));
    const stored = await settle(acks);
    const lost = [...acks.highest].filter(([k, v]) => stored.get(k) !== v);
    expect(lost).toEqual([]);
  });
});
