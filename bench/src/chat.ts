/**
 * Chat fan-out benchmark: one room with N members (default 500), the KVerse chat server against NATS core
 * pub/sub (Debian's nats-server, driven by the `nats` npm client) with the same members, message size and rates,
 * measured in the same run.
 *
 * - Throughput: one publisher sends a burst of messages as fast as it can; deliveries/s = members × messages
 *   / (first publish → last delivery to the last member).
 * - Latency: the publisher sends at a fixed rate; each delivery's publish→deliver time is recorded (publisher and
 *   members share this process's clock), and p50/p99 are taken over every delivery.
 *
 * Each member has its own connection (a chat member is its own client), and the members are spread over
 * BENCH_CHAT_THREADS worker threads (default 2) for both systems alike; the chat server runs in its own process,
 * as nats-server does. Rounds alternate which system goes first; the ratios use the medians over rounds.
 * Run: `npx tsc -b && node bench/dist/chat.js` (BENCH_CHAT_MEMBERS, BENCH_CHAT_BURST, BENCH_CHAT_RATE,
 * BENCH_CHAT_SECONDS, BENCH_CHAT_SIZE, BENCH_CHAT_ROUNDS override the defaults; BENCH_CHAT_ONLY=chat|nats runs one).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { credentials, Metadata } from '@grpc/grpc-js';
import { loadChatProto } from '@kverse/chat';
import { connect as natsConnect } from 'nats';
import type { FromMembers, MembersInit, ToMembers } from './chat-members.js';
import { median, printRatio, printTable } from './report.js';

const MEMBERS = Number(process.env.BENCH_CHAT_MEMBERS ?? 500);
const BURST = Number(process.env.BENCH_CHAT_BURST ?? 1000);
const RATE = Number(process.env.BENCH_CHAT_RATE ?? 20);
const SECONDS = Number(process.env.BENCH_CHAT_SECONDS ?? 6);
const SIZE = Number(process.env.BENCH_CHAT_SIZE ?? 128);
const ROUNDS = Number(process.env.BENCH_CHAT_ROUNDS ?? 3);
const THREADS = Number(process.env.BENCH_CHAT_THREADS ?? 2);
const ROOM = 'bench';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** One system under test, seen the same way by the benchmark. */
interface Harness {
  readonly name: string;
  readonly members: MemberPool;
  /** Sends one message whose text is `text`. */
  publish(text: string): void;
  close(): Promise<void>;
}

/** The room's members, spread over worker threads (see chat-members.ts). */
class MemberPool {
  private readonly workers: Worker[] = [];
  private readonly counts: number[] = [];

  private constructor() {}

  static async start(system: MembersInit['system'], address: string): Promise<MemberPool> {
    const pool = new MemberPool();
    const threads = Math.max(1, Math.min(THREADS, MEMBERS));
    let first = 0;
    for (let t = 0; t < threads; t++) {
      const count = Math.floor(MEMBERS / threads) + (t < MEMBERS % threads ? 1 : 0);
      const init: MembersInit = { system, address, room: ROOM, first, count };
      pool.workers.push(new Worker(new URL('./chat-members.js', import.meta.url), { workerData: init }));
      pool.counts.push(count);
      first += count;
    }
    await Promise.all(pool.workers.map((w) => pool.next(w, 'ready', 60_000)));
    return pool;
  }

  /**
   * Prepares every member to expect `messages` messages; resolves once they are ready, with `done`: every
   * latency (ms) once all arrived. (`done` is wrapped: a promise resolving to a promise would wait for both.)
   */
  async arm(messages: number, timeoutMs: number): Promise<{ done: Promise<Float64Array[]> }> {
    const done = this.workers.map((w) => this.next(w, 'done', timeoutMs));
    const armed = this.workers.map((w) => this.next(w, 'armed', 10_000));
    this.workers.forEach((w, i) => {
      w.postMessage({ type: 'arm', target: messages * this.counts[i]! } satisfies ToMembers);
    });
    await Promise.all(armed);
    return {
      done: Promise.all(done).then((all) => all.map((m) => (m as Extract<FromMembers, { type: 'done' }>).latencies)),
    };
  }

  async close(): Promise<void> {
    const closed = this.workers.map((w) => this.next(w, 'closed', 30_000).catch(() => undefined));
    for (const w of this.workers) w.postMessage({ type: 'close' } satisfies ToMembers);
    await Promise.all(closed);
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private next(worker: Worker, type: FromMembers['type'], timeoutMs: number): Promise<FromMembers> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`members: no '${type}' within ${timeoutMs} ms`)), timeoutMs);
      const onMessage = (message: FromMembers) => {
        if (message.type !== type) return;
        clearTimeout(timer);
        worker.off('message', onMessage);
        resolve(message);
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

/** The publish time (ms since the Unix epoch, as the member threads read it), `|`, padding to SIZE bytes. */
function payload(): string {
  const stamp = `${(performance.timeOrigin + performance.now()).toFixed(3)}|`;
  return stamp + 'x'.repeat(Math.max(0, SIZE - stamp.length));
}

function requireBinary(name: string, hint: string): void {
  if (spawnSync('sh', ['-c', `command -v ${name}`]).status !== 0) {
    throw new Error(`${name} is not installed: ${hint}`);
  }
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function startChat(): Promise<Harness> {
  const port = await freePort();
  const server: ChildProcess = spawn(process.execPath, [`${ROOT}/apps/chat/dist/main.js`], {
    env: {
      PATH: process.env.PATH,
      CHAT_HOST: '127.0.0.1',
      CHAT_PORT: String(port),
      CHAT_METRICS_PORT: '0',
      // The benchmark measures fan-out, not the limits: let one publisher send as fast as it can.
      CHAT_RATE_PER_SECOND: '1000000',
      CHAT_RATE_BURST: '1000000',
      CHAT_SEND_QUEUE: '1000000',
      CHAT_HISTORY_SIZE: '1000',
      LOG_LEVEL: 'warn',
      // e.g. --cpu-prof to profile the server side.
      NODE_OPTIONS: process.env.BENCH_CHAT_SERVER_NODE_OPTIONS ?? '',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  // Never leave the server behind, whatever happens to this process.
  process.once('exit', () => server.kill('SIGKILL'));
  const proto = loadChatProto();
  const address = `127.0.0.1:${port}`;
  // Each client gets its own connection, like separate chat users.
  const newClient = () =>
    new proto.kverse.chat.v1.ChatService(address, credentials.createInsecure(), {
      'grpc.use_local_subchannel_pool': 1,
    });
  const probe = newClient();
  await waitFor(
    () =>
      new Promise<boolean>((resolve) =>
        probe.waitForReady(Date.now() + 500, (err) => resolve(err === undefined || err === null)),
      ),
    'the chat server to listen',
  );
  probe.close();

  const members = await MemberPool.start('chat', address);
  const publisher = newClient();
  const call = publisher.Connect(new Metadata());
  await new Promise<void>((resolve) => {
    call.on('data', (event) => {
      if (event.joined && event.requestId !== '') resolve();
    });
    call.write({ requestId: 'join', join: { room: ROOM, user: 'publisher' } });
  });
  call.on('error', () => {});
  let seq = 0;
  return {
    name: 'KVerse chat (gRPC)',
    members,
    publish(text) {
      call.write({ requestId: `p${seq++}`, message: { room: ROOM, text } });
    },
    async close() {
      await members.close();
      call.end();
      publisher.close();
      server.kill('SIGTERM');
      await once(server, 'exit');
    },
  };
}

async function startNats(): Promise<Harness> {
  requireBinary('nats-server', 'apt-get install -y nats-server (or run scripts/services/nats.sh)');
  const port = await freePort();
  const server = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  process.once('exit', () => server.kill('SIGKILL'));
  const servers = `127.0.0.1:${port}`;
  await waitFor(async () => {
    const probe = await natsConnect({ servers, reconnect: false });
    await probe.close();
    return true;
  }, 'nats-server to listen');
  const members = await MemberPool.start('nats', servers);
  const publisher = await natsConnect({ servers, reconnect: false });
  const encoder = new TextEncoder();
  return {
    name: 'NATS core pub/sub',
    members,
    publish(text) {
      publisher.publish(ROOM, encoder.encode(text));
    },
    async close() {
      await members.close();
      await publisher.close();
      server.kill('SIGTERM');
      await once(server, 'exit');
    },
  };
}

async function burst(harness: Harness, messages: number): Promise<number> {
  if (messages === 0) return 0;
  const { done } = await harness.members.arm(messages, 180_000);
  const started = performance.now();
  for (let i = 0; i < messages; i++) harness.publish(payload());
  await done;
  return (messages * MEMBERS) / ((performance.now() - started) / 1000);
}

async function paced(harness: Harness): Promise<{ p50: number; p99: number; max: number }> {
  const messages = Math.round(RATE * SECONDS);
  const { done } = await harness.members.arm(messages, 120_000);
  const started = performance.now();
  for (let i = 0; i < messages; i++) {
    const due = started + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    harness.publish(payload());
  }
  const parts = await done;
  const sorted = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    sorted.set(part, at);
    at += part.length;
  }
  sorted.sort();
  const quantile = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { p50: quantile(0.5), p99: quantile(0.99), max: sorted[sorted.length - 1]! };
}

async function measure(start: () => Promise<Harness>) {
  const harness = await start();
  try {
    await burst(harness, Math.min(200, BURST)); // warm-up
    const deliveriesPerSecond = await burst(harness, BURST);
    const latency = await paced(harness);
    return { name: harness.name, deliveriesPerSecond, ...latency };
  } finally {
    await harness.close();
  }
}

type Result = Awaited<ReturnType<typeof measure>>;

function summary(name: string, results: Result[]): Result {
  return {
    name: `${name} (median)`,
    deliveriesPerSecond: median(results.map((r) => r.deliveriesPerSecond)),
    p50: median(results.map((r) => r.p50)),
    p99: median(results.map((r) => r.p99)),
    max: median(results.map((r) => r.max)),
  };
}

console.log(
  `chat fan-out: ${MEMBERS} members in one room (${THREADS} member threads), ${SIZE}-byte messages; burst of ${BURST}; paced ${RATE} msg/s for ${SECONDS} s; ${ROUNDS} rounds`,
);
const only = process.env.BENCH_CHAT_ONLY;
const natsRuns: Result[] = [];
const chatRuns: Result[] = [];
// Rounds alternate which system goes first, so a change in the machine's load does not favour one of them.
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? (['nats', 'chat'] as const) : (['chat', 'nats'] as const);
  for (const system of order) {
    if (only && only !== system) continue;
    const result = await measure(system === 'nats' ? startNats : startChat);
    (system === 'nats' ? natsRuns : chatRuns).push(result);
    console.log(`round ${round + 1}: ${JSON.stringify(result)}`);
  }
}
// Exit even if a client library keeps a timer alive.
process.on('beforeExit', () => process.exit());
if (natsRuns.length === 0 || chatRuns.length === 0) process.exit(0);
const nats = summary('NATS core pub/sub', natsRuns);
const chat = summary('KVerse chat (gRPC)', chatRuns);
const row = (r: Result) => ({
  system: r.name,
  'deliveries/s (burst)': Math.round(r.deliveriesPerSecond),
  'p50 ms (paced)': r.p50,
  'p99 ms (paced)': r.p99,
  'max ms (paced)': r.max,
});
printTable('Chat fan-out (every round, then medians)', [...natsRuns, ...chatRuns, nats, chat].map(row));
const throughputOk = printRatio('chat deliveries/s vs NATS', chat.deliveriesPerSecond / nats.deliveriesPerSecond, 0.5);
// p99 within 2× of NATS, i.e. NATS p99 / chat p99 ≥ 0.5.
const latencyOk = printRatio('NATS p99 / chat p99', nats.p99 / chat.p99, 0.5);
process.exitCode = throughputOk && latencyOk ? 0 : 1;
