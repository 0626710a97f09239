import { randomBytes } from 'node:crypto';
import { DEAD_LETTER_QUEUE, encodeWrite, REASON_HEADER } from '@kverse/amqp-write-path';
import type { OpenedDataPlane } from '@kverse/data-plane';
import { type Mutation, versionFromParts } from '@kverse/kv-core';
import amqp, { type ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningConsumer } from '../../../apps/consumer/src/app.js';
// The consumer tests' cluster helpers: the same services, a real write consumer, PostgreSQL reads.
import {
  AMQP_URL,
  openConsumer,
  openDataPlane,
  requireServices,
  storedVersion,
} from '../../../apps/consumer/test/integration/cluster.js';
import { buildDeadLettersCommand } from '../../src/commands/dead-letters.js';
import { capture } from '../capture.js';

/** Runs `kverse dead-letters <args>` in this process; resolves with what it printed and its exit code. */
async function kverse(...args: string[]): Promise<{ out: string; err: string; code: number }> {
  const out = capture();
  const err = capture();
  const before = process.exitCode;
  process.exitCode = 0;
  await buildDeadLettersCommand({ out: out.stream, err: err.stream }).parseAsync(args, { from: 'user' });
  const code = Number(process.exitCode ?? 0);
  process.exitCode = before;
  return { out: out.text(), err: err.text(), code };
}

// What the consumer sets aside in kv.writes.dead, as it does (the write's body, its reason, the deliveries counted).
function setAside(write: Mutation, reason: string, deliveries: number) {
  return {
    content: encodeWrite(write),
    options: {
      persistent: true,
      contentType: 'application/json',
      headers: { [REASON_HEADER]: reason, 'x-delivery-count': deliveries - 1 },
    },
  };
}

describe('kverse dead-letters', () => {
  const run = randomBytes(4).toString('hex');
  let connection: ChannelModel;
  let plane: OpenedDataPlane;
  let consumer: RunningConsumer;

  beforeAll(async () => {
    await requireServices();
    connection = await amqp.connect(AMQP_URL);
    plane = await openDataPlane();
    consumer = await openConsumer({ KVERSE_CONSUMER_MAX_ATTEMPTS: '2' });
  });
  afterAll(async () => {
    await consumer?.close();
    await plane?.close();
    await connection?.close();
  });

  it('lists what the consumers set aside without removing it, and replays the writes with their own versions', async () => {
    const channel = await connection.createConfirmChannel();
    await channel.purgeQueue(DEAD_LETTER_QUEUE);
    // `newer` is applied normally; an older write of the same key and a write of another key were set aside.
    const newer = await plane.dataPlane.put(`${run}/a`, 'newer', { waitAppliedMs: 10_000 });
    const older: Mutation = {
      op: 'put',
      key: `${run}/a`,
      value: 'older',
      version: newer.version - 1000n,
      writer: 'replica-1',
      timestamp: Date.now() - 60_000,
    };
    const lost: Mutation = {
      op: 'put',
      key: `${run}/b`,
      value: 'set aside',
      version: versionFromParts(Date.now() - 60_000, 0),
      writer: 'replica-1',
      timestamp: Date.now() - 60_000,
    };
    for (const [write, deliveries] of [
      [older, 6],
      [lost, 6],
    ] as const) {
      const { content, options } = setAside(write, `delivered ${deliveries} times without being settled`, deliveries);
      channel.sendToQueue(DEAD_LETTER_QUEUE, content, options);
    }
    channel.sendToQueue(DEAD_LETTER_QUEUE, Buffer.from([0xff, 0x00]), {
      persistent: true,
      headers: { [REASON_HEADER]: 'not UTF-8 JSON' },
    });
    await channel.waitForConfirms();

    const listed = await kverse('list', '--amqp-url', AMQP_URL);
    expect(listed.code).toBe(0);
    expect(listed.out.trim().split('\n')).toEqual([
      `put "${run}/a" version ${older.version} — delivered 6 times without being settled`,
      `put "${run}/b" version ${lost.version} — delivered 6 times without being settled`,
      expect.stringMatching(/^not a write \(.+\) — not UTF-8 JSON$/),
    ]);
    expect(listed.err).toBe('3 message(s) in kv.writes.dead\n');
    // Read, not taken: the messages go back when the command's connection closes.
    const waiting = async () => (await channel.checkQueue(DEAD_LETTER_QUEUE)).messageCount;
    await expect.poll(waiting, { timeout: 5000 }).toBe(3);
    const json = await kverse('list', '--amqp-url', AMQP_URL, '--json', '--limit', '1');
    expect(JSON.parse(json.out)).toMatchObject({ op: 'put', key: `${run}/a`, version: older.version.toString() });
    expect(json.err).toBe('3 message(s) in kv.writes.dead, 1 shown\n');
    await expect.poll(waiting, { timeout: 5000 }).toBe(3);

    const replay = await kverse('replay', '--amqp-url', AMQP_URL, '--key-prefix', `${run}/`);
    expect(replay).toMatchObject({ code: 0, out: 'replayed 2 write(s); 1 message(s) left in kv.writes.dead\n' });
    // The set-aside write is applied with its own version; the older write of `a` is superseded by the newer one
    // already stored, and neither comes back to the dead-letter queue.
    await expect.poll(() => storedVersion(`${run}/b`), { timeout: 15_000 }).toBe(lost.version);
    expect(await storedVersion(`${run}/a`)).toBe(newer.version);
    expect((await plane.dataPlane.get(`${run}/a`))?.value).toBe('newer');
    await expect.poll(waiting, { timeout: 5000 }).toBe(1);
    await channel.purgeQueue(DEAD_LETTER_QUEUE);
  });

  it('replays at most --limit writes and counts the rest as left', async () => {
    const channel = await connection.createConfirmChannel();
    await channel.purgeQueue(DEAD_LETTER_QUEUE);
    const writes = ['x', 'y'].map(
      (k, i): Mutation => ({
        op: 'put',
        key: `${run}/limit/${k}`,
        value: k,
        version: versionFromParts(Date.now() - 60_000, i),
        writer: 'replica-1',
        timestamp: Date.now() - 60_000,
      }),
    );
    for (const write of writes) {
      const { content, options } = setAside(write, 'delivered 6 times without being settled', 6);
      channel.sendToQueue(DEAD_LETTER_QUEUE, content, options);
    }
    await channel.waitForConfirms();
    const first = await kverse('replay', '--amqp-url', AMQP_URL, '--limit', '1');
    expect(first).toMatchObject({ code: 0, out: 'replayed 1 write(s); 1 message(s) left in kv.writes.dead\n' });
    await expect.poll(() => storedVersion(writes[0]!.key), { timeout: 15_000 }).toBe(writes[0]!.version);
    expect(await storedVersion(writes[1]!.key)).toBeUndefined();
    const rest = await kverse('replay', '--amqp-url', AMQP_URL);
    expect(rest).toMatchObject({ code: 0, out: 'replayed 1 write(s); 0 message(s) left in kv.writes.dead\n' });
    await expect.poll(() => storedVersion(writes[1]!.key), { timeout: 15_000 }).toBe(writes[1]!.version);
  });

  it('leaves writes older than the tombstone retention unless --force, saying why', async () => {
    const channel = await connection.createConfirmChannel();
    await channel.purgeQueue(DEAD_LETTER_QUEUE);
    const accepted = Date.now() - 2 * 3_600_000;
    const old: Mutation = {
      op: 'put',
      key: `${run}/old`,
      value: 'from two hours ago',
      version: versionFromParts(accepted, 0),
      writer: 'replica-1',
      timestamp: accepted,
    };
    const { content, options } = setAside(old, 'delivered 6 times without being settled', 6);
    channel.sendToQueue(DEAD_LETTER_QUEUE, content, options);
    await channel.waitForConfirms();
    const kept = await kverse('replay', '--amqp-url', AMQP_URL, '--tombstone-retention-ms', '3600000');
    expect(kept).toMatchObject({ code: 0, out: 'replayed 0 write(s); 1 message(s) left in kv.writes.dead\n' });
    expect(kept.err).toMatch(/^1 write\(s\) left: accepted longer ago than the tombstone retention.*--force/);
    const forced = await kverse('replay', '--amqp-url', AMQP_URL, '--tombstone-retention-ms', '3600000', '--force');
    expect(forced).toMatchObject({ code: 0, out: 'replayed 1 write(s); 0 message(s) left in kv.writes.dead\n' });
    await expect.poll(() => storedVersion(old.key), { timeout: 15_000 }).toBe(old.version);
  });

  it('says what is wrong, without the password, when RabbitMQ cannot be reached', async () => {
    const failed = await kverse('list', '--amqp-url', 'amqp://kverse:s3cret@127.0.0.1:1');
    expect(failed.code).toBe(1);
    expect(failed.err).toMatch(
      /^kverse dead-letters: .*ECONNREFUSED.* \(RabbitMQ at amqp:\/\/kverse:\*\*\*@127\.0\.0\.1:1\)\n$/,
    );
    expect(failed.err).not.toContain('s3cret');
  });
});
