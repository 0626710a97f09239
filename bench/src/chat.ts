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
 * Each member has its own connection (a chat member is its own client); the chat server runs in its own process,
 * as nats-server does. Rounds alternate which system goes first; the ratios use the medians over rounds.
 * Run: `npx tsc -b && node bench/dist/chat.js` (BENCH_CHAT_MEMBERS, BENCH_CHAT_BURST, BENCH_CHAT_RATE,
 * BENCH_CHAT_SECONDS, BENCH_CHAT_SIZE, BENCH_CHAT_ROUNDS override the defaults; BENCH_CHAT_ONLY=chat|nats runs one).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { credentials, Metadata } from '@grpc/grpc-js';
import { loadChatProto } from '@kverse/chat';
import { type NatsConnection, connect as natsConnect } from 'nats';
import { printRatio, printTable } from './report.js';

const MEMBERS = Number(process.env.BENCH_CHAT_MEMBERS ?? 500);
const BURST = Number(process.env.BENCH_CHAT_BURST ?? 1000);
const RATE = Number(process.env.BENCH_CHAT_RATE ?? 20);
const SECONDS = Number(process.env.BENCH_CHAT_SECONDS ?? 6);
const SIZE = Number(process.env.BENCH_CHAT_SIZE ?? 128);
const ROUNDS = Number(process.env.BENCH_CHAT_ROUNDS ?? 3);
const ROOM = 'bench';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** One system under test, seen the same way by the benchmark. */
interface Harness {
  readonly name: string;
  /** Sends one message whose text is `text`. */
  publish(text: string): void;
  close(): Promise<void>;
}

/** Counts deliveries and records publish→deliver latencies (ms) for the current phase. */
class Recorder {
  delivered = 0;
  latencies: number[] = [];
  private target = 0;
  private done: (() => void) | undefined;

  reset(target: number): Promise<void> {
    this.delivered = 0;
    this.latencies = [];
    this.target = target;
    return new Promise((resolve) => {
      this.done = resolve;
    });
  }

  record(text: string): void {
    const sentAt = Number(text.slice(0, text.indexOf('|')));
    this.latencies.push(performance.now() - sentAt);
    this.delivered += 1;
    if (this.delivered === this.target) this.done?.();
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

function payload(): string {
  const stamp = `${performance.now().toFixed(3)}|`;
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

async function startChat(recorder: Recorder): Promise<Harness> {
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

  const clients = Array.from({ length: MEMBERS + 1 }, newClient);
  let publisherCall: ReturnType<(typeof clients)[number]['Connect']> | undefined;
  let closing = false;
  let joined = 0;
  const allJoined = new Promise<void>((resolve) => {
    clients.forEach((client, i) => {
      const call = client.Connect(new Metadata());
      const isPublisher = i === MEMBERS;
      call.on('data', (event) => {
        if (event.message) {
          if (!isPublisher) recorder.record(event.message.text);
        } else if (event.batch) {
          if (!isPublisher) for (const m of event.batch.messages) recorder.record(m.text);
        } else if (event.joined && event.requestId !== '') {
          joined += 1;
          if (joined === clients.length) resolve();
        }
      });
      call.on('error', (err) => {
        if (!closing) console.error(`chat member ${i}: ${err.message}`);
      });
      call.write({ requestId: `j${i}`, join: { room: ROOM, user: isPublisher ? 'publisher' : `m${i}` } });
      if (isPublisher) publisherCall = call;
    });
  });
  await allJoined;
  let seq = 0;
  return {
    name: 'KVerse chat (gRPC)',
    publish(text) {
      publisherCall!.write({ requestId: `p${seq++}`, message: { room: ROOM, text } });
    },
    async close() {
      closing = true;
      publisherCall?.end();
      for (const c of clients) c.close();
      server.kill('SIGTERM');
      await once(server, 'exit');
    },
  };
}

async function startNats(recorder: Recorder): Promise<Harness> {
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
  const decoder = new TextDecoder();
  const members: NatsConnection[] = await Promise.all(
    Array.from({ length: MEMBERS }, () => natsConnect({ servers, reconnect: false })),
  );
  for (const nc of members) {
    nc.subscribe(ROOM, { callback: (_err, msg) => recorder.record(decoder.decode(msg.data)) });
  }
  await Promise.all(members.map((nc) => nc.flush()));
  const publisher = await natsConnect({ servers, reconnect: false });
  const encoder = new TextEncoder();
  return {
    name: 'NATS core pub/sub',
    publish(text) {
      publisher.publish(ROOM, encoder.encode(text));
    },
    async close() {
      await publisher.close();
      await Promise.all(members.map((nc) => nc.close()));
      server.kill('SIGTERM');
      await once(server, 'exit');
    },
  };
}

async function burst(harness: Harness, recorder: Recorder, messages: number): Promise<number> {
  if (messages === 0) return 0;
  const done = recorder.reset(messages * MEMBERS);
  const started = performance.now();
  for (let i = 0; i < messages; i++) harness.publish(payload());
  await withTimeout(done, 180_000, `${harness.name}: burst deliveries (got ${recorder.delivered})`);
  return (messages * MEMBERS) / ((performance.now() - started) / 1000);
}

async function paced(harness: Harness, recorder: Recorder): Promise<{ p50: number; p99: number; max: number }> {
  const messages = Math.round(RATE * SECONDS);
  const done = recorder.reset(messages * MEMBERS);
  const started = performance.now();
  for (let i = 0; i < messages; i++) {
    const due = started + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    harness.publish(payload());
  }
  await withTimeout(done, 120_000, `${harness.name}: paced deliveries (got ${recorder.delivered})`);
  const sorted = Float64Array.from(recorder.latencies).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1]! };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what}`)), ms).unref()),
  ]);
}

async function measure(start: (r: Recorder) => Promise<Harness>) {
  const recorder = new Recorder();
  const harness = await start(recorder);
  try {
    await burst(harness, recorder, Math.min(200, BURST)); // warm-up
    const deliveriesPerSecond = BURST > 0 ? await burst(harness, recorder, BURST) : 0;
    const latency = await paced(harness, recorder);
    return { name: harness.name, deliveriesPerSecond, ...latency };
  } finally {
    await harness.close();
  }
}

type Result = Awaited<ReturnType<typeof measure>>;

const median = (values: number[]) => {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)]!;
};

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
  `chat fan-out: ${MEMBERS} members in one room, ${SIZE}-byte messages; burst of ${BURST}; paced ${RATE} msg/s for ${SECONDS} s; ${ROUNDS} rounds`,
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
