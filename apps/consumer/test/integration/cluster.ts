import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { type Changes, DEAD_LETTER_QUEUE, decodeChanges, partitionOf } from '@kverse/amqp-write-path';
import {
  dataPlaneConfigSpec,
  distributedConfigSpec,
  type OpenedDataPlane,
  openDistributedDataPlane,
} from '@kverse/data-plane';
import { isKvError, type Version } from '@kverse/kv-core';
import { createLogger, createMetricsRegistry, parseConfig } from '@kverse/runtime';
import amqp from 'amqplib';
import pg from 'pg';
import { type RunningConsumer, startConsumer } from '../../src/app.js';
import { consumerConfigSpec } from '../../src/config.js';

/** Test services; `scripts/services/{postgres,rabbitmq}.sh` provide the defaults. */
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://kverse:kverse@127.0.0.1:5432/kverse';
export const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The tests' logger: silent unless TEST_LOG_LEVEL says otherwise. */
export const logger = createLogger({ name: 'consumer-test', level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** Fails (never skips) naming the service that does not answer. */
export async function requireServices(): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(`PostgreSQL is not answering (${(err as Error).message}); run scripts/services/postgres.sh`);
  } finally {
    await client.end().catch(() => undefined);
  }
  try {
    const conn = await amqp.connect(AMQP_URL, { timeout: 3000 });
    await conn.close();
  } catch (err) {
    throw new Error(`RabbitMQ is not answering (${(err as Error).message}); run scripts/services/rabbitmq.sh`);
  }
}

export function openConsumer(env: Record<string, string> = {}): Promise<RunningConsumer> {
  const config = parseConfig(consumerConfigSpec, {
    DATABASE_URL,
    AMQP_URL,
    REDIS_URL,
    KVERSE_CONSUMER_PORT: '0',
    HOST: '127.0.0.1',
    ...env,
  });
  return startConsumer(config, { logger, metrics: createMetricsRegistry() });
}

export function openDataPlane(): Promise<OpenedDataPlane> {
  return openDistributedDataPlane(
    parseConfig(dataPlaneConfigSpec, {}),
    parseConfig(distributedConfigSpec, { DATABASE_URL, AMQP_URL, REDIS_URL }),
    logger,
  );
}

/** Takes the next message of the dead-letter queue, waiting for one up to `timeoutMs`; throws `what` when none comes. */
export async function nextDeadLetter(
  channel: amqp.Channel,
  what: string,
  timeoutMs = 20_000,
): Promise<amqp.GetMessage> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dead = await channel.get(DEAD_LETTER_QUEUE, { noAck: true });
    if (dead) return dead;
    if (Date.now() > deadline) throw new Error(what);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Reads the stored row of a key straight from the database. */
export async function storedVersion(key: string): Promise<bigint | undefined> {
  const client = new pg.Client(DATABASE_URL);
  await client.connect();
  try {
    const r = await client.query<{ version: string }>('SELECT version FROM kv WHERE key = $1', [Buffer.from(key)]);
    return r.rows[0] ? BigInt(r.rows[0].version) : undefined;
  } finally {
    await client.end();
  }
}

/** Binds a fresh exclusive queue to `exchange` (`kv.changes`, or one that receives from it); hands on each message. */
export async function observeChanges(
  channel: amqp.Channel,
  exchange: string,
  listener: (changes: Changes) => void,
): Promise<void> {
  const { queue } = await channel.assertQueue('', { exclusive: true });
  await channel.bindQueue(queue, exchange, '');
  await channel.consume(queue, (msg) => msg && listener(decodeChanges(msg.content)), { noAck: true });
}

const rabbitScript = join(import.meta.dirname, '../../../../scripts/services/rabbitmq.sh');

/** Starts the local RabbitMQ (or confirms it runs), or stops it with `'stop'` (scripts/services/rabbitmq.sh). */
export function rabbit(arg?: 'stop'): void {
  execFileSync('bash', arg ? [rabbitScript, arg] : [rabbitScript], { stdio: 'ignore' });
}

/** Runs `rabbitmqctl ARGS` against the local RabbitMQ (`scripts/services/rabbitmq.sh ctl`). */
export function rabbitCtl(...args: string[]): void {
  execFileSync('bash', [rabbitScript, 'ctl', ...args], { stdio: 'ignore' });
}

/**
 * Writes `${prefix}/k0` … `${prefix}/k${keys - 1}` in turn through `plane` until stopped, keeping each key's highest
 * acknowledged version. A write refused with the documented 503 (KV_ERR_UNAVAILABLE with Retry-After) is counted and
 * the loop goes on after 50 ms; any other failure ends it, and `stop()` rethrows it.
 */
export function keepWriting(
  plane: OpenedDataPlane,
  prefix: string,
  keys: number,
): { acked: Map<string, Version>; refused: () => number; stop(): Promise<void> } {
  const acked = new Map<string, Version>();
  let refused = 0;
  let stopped = false;
  const loop = (async () => {
    for (let i = 0; !stopped; i++) {
      const key = `${prefix}/k${i % keys}`;
      try {
        const r = await plane.dataPlane.put(key, `v${i}`);
        if ((acked.get(key) ?? -1n) < r.version) acked.set(key, r.version);
      } catch (err) {
        if (!isKvError(err) || err.code !== 'KV_ERR_UNAVAILABLE' || !err.retryAfterSeconds) throw err;
        refused++;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  })();
  return {
    acked,
    refused: () => refused,
    stop: () => {
      stopped = true;
      return loop;
    },
  };
}

/** A gauge or counter of a consumer's /metrics (summed over its labels). */
export async function metric(consumer: RunningConsumer, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${consumer.url}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}${labels}`) && /[\s{]/.test(line.charAt(name.length)))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

/** Writes a consumer applied (outcome `applied` of `kverse_consumer_messages_total`). */
export const applied = (c: RunningConsumer) => metric(c, 'kverse_consumer_messages_total', '{outcome="applied"}');

export async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** `perPartition` keys `${prefix}/${i}` in each of the `partitions` partition queues of kv.writes. */
export function keysOnEveryPartition(prefix: string, perPartition: number, partitions: number): string[] {
  const keys: string[] = [];
  const counts = new Array<number>(partitions).fill(0);
  for (let i = 0; keys.length < partitions * perPartition; i++) {
    const key = `${prefix}/${i}`;
    const p = partitionOf(key, partitions);
    if (counts[p]! < perPartition) {
      counts[p]!++;
      keys.push(key);
    }
  }
  return keys;
}
