import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AccessControl } from '@kverse/access';
import { consumerConfigSpec, type RunningConsumer, startConsumer } from '@kverse/consumer';
import { type OpenedDataPlane, openDataPlaneFromEnv } from '@kverse/data-plane';
import { createLogger, createMetricsRegistry, type Env, parseConfig, type Registry } from '@kverse/runtime';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import pg from 'pg';
import { apiConfigSpec } from '../../src/config.js';
import { type RunningApi, startApi } from '../../src/server.js';

/** Test services; `scripts/services/*.sh` provide the defaults. */
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://kverse:kverse@127.0.0.1:5432/kverse';
export const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const SERVICES: Env = { DATABASE_URL, AMQP_URL, REDIS_URL };

const ROOT = join(import.meta.dirname, '../../../..');
const logger = createLogger({ name: 'api-integration', level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** Fails (never skips) naming the service that does not answer and the script that starts it. */
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
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 3000 });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    throw new Error(`Redis is not answering (${(err as Error).message}); run scripts/services/redis.sh`);
  } finally {
    redis.disconnect();
  }
}

/** Runs `scripts/services/<name>.sh [stop]` (idempotent start, or stop). */
export function service(name: 'postgres' | 'rabbitmq' | 'redis' | 'redis-sentinel', action?: 'stop'): void {
  const script = join(ROOT, 'scripts/services', `${name}.sh`);
  execFileSync('bash', action ? [script, action] : [script], { stdio: 'ignore', timeout: 180_000 });
}

/** One apps/api replica as its main.ts runs it: data plane from the environment, REST API on a free port. */
export interface ApiNode {
  readonly url: string;
  readonly opened: OpenedDataPlane;
  readonly metrics: Registry;
  close(): Promise<void>;
}

export async function startApiNode(
  env: Env = SERVICES,
  options: { tracing?: boolean; access?: AccessControl } = {},
): Promise<ApiNode> {
  const metrics = createMetricsRegistry();
  const opened = await openDataPlaneFromEnv(env, logger, metrics);
  let api: RunningApi;
  try {
    api = await startApi(parseConfig(apiConfigSpec, { PORT: '0', HOST: '127.0.0.1' }), {
      dataPlane: opened.dataPlane,
      logger,
      metrics,
      readiness: opened.readiness,
      tracing: options.tracing ?? false,
      ...(options.access ? { access: options.access } : {}),
    });
  } catch (err) {
    await opened.close();
    throw err;
  }
  return {
    url: api.url,
    opened,
    metrics,
    async close() {
      await api.close();
      await opened.close();
    },
  };
}

/** An apps/consumer worker in this process. */
export function startInProcessConsumer(env: Env = {}): Promise<RunningConsumer> {
  const config = parseConfig(consumerConfigSpec, {
    ...SERVICES,
    KVERSE_CONSUMER_PORT: '0',
    HOST: '127.0.0.1',
    ...env,
  });
  return startConsumer(config, { logger, metrics: createMetricsRegistry() });
}

/** An apps/consumer worker as its own process (apps/consumer/dist/main.js), so a test can SIGKILL it. */
export async function spawnConsumer(env: Env = {}): Promise<ChildProcess> {
  const main = join(ROOT, 'apps/consumer/dist/main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: build first (npx tsc -b apps/consumer)`);
  const child = spawn(process.execPath, [main], {
    env: {
      PATH: process.env.PATH,
      ...SERVICES,
      KVERSE_CONSUMER_PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const started = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('consumer started')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`consumer exited (${code}) before starting:\n${output}`)));
    setTimeout(() => reject(new Error(`consumer did not start within 20 s:\n${output}`)), 20_000).unref();
  });
  await started;
  return child;
}

export interface PutAnswer {
  readonly status: number;
  readonly version?: bigint;
  readonly code?: string;
  readonly retryAfter?: string | null;
}

/** `PUT /kv` over HTTP; never throws for an HTTP answer (a refused connection does throw). */
export async function put(base: string, key: string, value: string, wait = false): Promise<PutAnswer> {
  const res = await fetch(`${base}/kv${wait ? '?wait=applied' : ''}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ key, value }),
  });
  const body = (await res.json()) as { version?: string; error?: { code: string } };
  return {
    status: res.status,
    ...(body.version !== undefined ? { version: BigInt(body.version) } : {}),
    ...(body.error ? { code: body.error.code } : {}),
    retryAfter: res.headers.get('retry-after'),
  };
}

/** `GET /kv?key=`: the record, or `undefined` on 404; throws on anything else. */
export async function get(base: string, key: string): Promise<{ value: string; version: bigint } | undefined> {
  const res = await fetch(`${base}/kv?key=${encodeURIComponent(key)}`);
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw new Error(`GET ${key} answered ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as { value: string; version: string };
  return { value: body.value, version: BigInt(body.version) };
}

/** Highest version per key among acknowledged (202/200) writes. */
export class AckLog {
  readonly highest = new Map<string, bigint>();
  count = 0;
  record(key: string, answer: PutAnswer): void {
    if ((answer.status !== 202 && answer.status !== 200) || answer.version === undefined) return;
    this.count++;
    if ((this.highest.get(key) ?? -1n) < answer.version) this.highest.set(key, answer.version);
  }
}

/** Stored versions of `keys`, straight from the database (a key without a row is absent). */
export async function storedVersions(keys: Iterable<string>): Promise<Map<string, bigint>> {
  const client = new pg.Client(DATABASE_URL);
  await client.connect();
  try {
    const r = await client.query<{ key: Buffer; version: string }>(
      'SELECT key, version FROM kv WHERE key = ANY($1::bytea[])',
      [[...keys].map((k) => Buffer.from(k))],
    );
    return new Map(r.rows.map((row) => [row.key.toString(), BigInt(row.version)]));
  } finally {
    await client.end();
  }
}

/**
 * Waits until the database holds at least the highest acknowledged version of every key (bounded), then returns what
 * it holds, so the caller's `expect` shows any acknowledged write that was lost.
 */
export async function settle(acks: AckLog, timeoutMs = 30_000): Promise<Map<string, bigint>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const stored = await storedVersions(acks.highest.keys());
    const behind = [...acks.highest].filter(([k, v]) => (stored.get(k) ?? -1n) < v);
    if (behind.length === 0 || Date.now() > deadline) return stored;
    await sleep(200);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Value of one sample of a counter in the Prometheus text at `${base}/metrics`. */
export async function metricValue(base: string, name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line ? Number(line.split(' ').pop()) : 0;
}
