/**
 * How much of a gRPC KV call is the gRPC server library: the same closed-loop Put and Get loads as
 * `grpc-kv-vs-etcd` (bench/src/grpc-load.ts, 8 connections × 16 in flight, pre-encoded requests) against four
 * servers, each alone on CPU 0 with the generator on CPU 1, in an order rotated every round:
 *
 * - a bare Node HTTP/2 server that answers every call with a canned gRPC response of the real one's size (no gRPC
 *   library, no store) — the floor any Node gRPC server stands on;
 * - a bare `@grpc/grpc-js` server whose Put and Get handlers answer with the same canned bytes (no store, no
 *   decoding, no encoding) — the floor any server on grpc-js stands on;
 * - the KVerse gRPC KV server (standalone, log engine, fsync off);
 * - etcd (fsync off; Get as its faster serializable Range), the anchor of `grpc-kv-vs-etcd`.
 *
 * Prints ops/s, the server's CPU time per call and how busy the generator was: a server that answers promptly keeps
 * the generator near 100 %.
 *
 *   npm run bench -- grpc-floor [--seconds 5] [--warmup 4] [--rounds 3]
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import http2 from 'node:http2';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { ETCD_PUT, ETCD_RANGE, encodeEtcdPut, encodeEtcdRange, findEtcd, startEtcd } from './etcd.js';
import { encodeMessage, kvProto, type LoadResult, openClients, putThenGet } from './grpc-load.js';
import { median, printTable } from './report.js';
import { awaitOutput, exited, pinLoadGenerator, spawnPinned, startApp } from './serve.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '3' },
    'serve-bare': { type: 'boolean', default: false },
    'serve-grpc-js': { type: 'boolean', default: false },
  },
});

const KEYS = 10_000;
const VALUE = 'v'.repeat(256);
const key = (i: number) => `k${String(i).padStart(7, '0')}`;

const PUT = '/kvstore.KvStore/Put';
const GET = '/kvstore.KvStore/Get';

/** What the floor servers answer every Put and every Get with: responses of the real ones' sizes. */
function cannedResponses(): { put: Buffer; get: Buffer } {
  return {
    put: encodeMessage(kvProto, 'kvstore.PutResponse', { success: true, version: '10001', applied: true }),
    get: encodeMessage(kvProto, 'kvstore.GetResponse', { key: key(0), value: VALUE, version: '1' }),
  };
}

/** The bare server: every call gets its canned message (by path) and status OK, on a TCP_NODELAY listener. */
function serveBare(): void {
  const frame = (message: Buffer) => {
    const framed = Buffer.alloc(5 + message.length);
    framed.writeUInt32BE(message.length, 1);
    message.copy(framed, 5);
    return framed;
  };
  const canned = cannedResponses();
  const [put, get] = [frame(canned.put), frame(canned.get)];
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    const framed = headers[':path'] === PUT ? put : get;
    stream.resume();
    stream.on('end', () => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(framed);
    });
  });
  const listener = createServer({ noDelay: true }, (socket) => server.emit('connection', socket));
  listener.listen(0, '127.0.0.1', () =>
    console.log(`bare HTTP/2 on 127.0.0.1:${(listener.address() as AddressInfo).port}`),
  );
}

/**
 * grpc-js with nothing of ours: unary Put and Get whose handlers answer with the canned bytes, requests left
 * undecoded (identity serializers), on a TCP_NODELAY listener as the KVerse server has.
 */
function serveGrpcJs(): void {
  const canned = cannedResponses();
  const identity = (b: Buffer) => b;
  const unary = (path: string) => ({
    path,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  });
  type Callback = (err: null, value: Buffer) => void;
  const server = new Server({ 'grpc.enable_channelz': 0 });
  server.addService(
    { Put: unary(PUT), Get: unary(GET) },
    {
      Put: (_call: unknown, callback: Callback) => callback(null, canned.put),
      Get: (_call: unknown, callback: Callback) => callback(null, canned.get),
    },
  );
  const injector = server.createConnectionInjector(ServerCredentials.createInsecure());
  const listener = createServer({ noDelay: true }, (socket) => injector.injectConnection(socket));
  listener.listen(0, '127.0.0.1', () =>
    console.log(`bare grpc-js on 127.0.0.1:${(listener.address() as AddressInfo).port}`),
  );
}

interface Started {
  readonly child: ChildProcess;
  readonly address: string;
  readonly dir?: string;
}

async function startFloor(flag: '--serve-bare' | '--serve-grpc-js', banner: RegExp): Promise<Started> {
  const child = spawnPinned(process.execPath, [fileURLToPath(import.meta.url), flag], { stdio: 'pipe' });
  const { address } = await awaitOutput(child, { address: banner }, flag);
  return { child, address };
}

async function startEtcdFloor(): Promise<Started> {
  const dir = await mkdtemp(join(tmpdir(), 'kverse-bench-floor-etcd-'));
  const { child, address } = await startEtcd(findEtcd(), dir, false);
  return { child, address, dir };
}

async function startKverse(): Promise<Started> {
  const dir = await mkdtemp(join(tmpdir(), 'kverse-bench-floor-'));
  const { child, ready } = await startApp(
    'grpc-kv',
    {
      KVERSE_DATA_DIR: dir,
      KVERSE_FSYNC: 'none',
      GRPC_KV_HOST: '127.0.0.1',
      GRPC_KV_PORT: '0',
      GRPC_KV_METRICS_PORT: '0',
    },
    /"address":"([^"]+)"[^\n]*gRPC KV ready/,
    { pinned: true },
  );
  return { child, address: ready, dir };
}

/** One server under test: how to start it, and how its Put and Get look on the wire. */
interface FloorSystem {
  readonly name: string;
  start(): Promise<Started>;
  readonly put: { method: string; encode(k: string, v: string): Buffer };
  readonly get: { method: string; encode(k: string): Buffer };
}

const KV_CALLS = {
  put: {
    method: PUT,
    encode: (k: string, v: string) => encodeMessage(kvProto, 'kvstore.PutRequest', { key: k, value: v }),
  },
  get: { method: GET, encode: (k: string) => encodeMessage(kvProto, 'kvstore.GetRequest', { key: k }) },
};

const systems: readonly FloorSystem[] = [
  {
    name: 'bare Node HTTP/2, canned responses',
    start: () => startFloor('--serve-bare', /bare HTTP\/2 on (\S+)/),
    ...KV_CALLS,
  },
  {
    name: 'bare grpc-js, canned responses',
    start: () => startFloor('--serve-grpc-js', /bare grpc-js on (\S+)/),
    ...KV_CALLS,
  },
  { name: 'KVerse gRPC KV (log engine, fsync off)', start: startKverse, ...KV_CALLS },
  {
    name: 'etcd (fsync off; Get: serializable Range)',
    start: startEtcdFloor,
    put: { method: ETCD_PUT, encode: encodeEtcdPut },
    get: { method: ETCD_RANGE, encode: (k) => encodeEtcdRange(k, true) },
  },
];

interface Phases {
  readonly put: LoadResult;
  readonly get: LoadResult;
}

/** Fills the store (every key written once), then a Put phase and a Get phase, as `grpc-kv-vs-etcd` does. */
async function measure(system: FloorSystem): Promise<Phases> {
  const server = await system.start();
  try {
    const clients = openClients(server.address, 8);
    const phases = await putThenGet({
      clients,
      inFlight: 16,
      seconds: Number(args.seconds),
      warmupSeconds: Number(args.warmup),
      serverPid: server.child.pid,
      put: {
        method: system.put.method,
        requests: Array.from({ length: KEYS }, (_, i) => system.put.encode(key(i), VALUE)),
      },
      get: { method: system.get.method, requests: Array.from({ length: KEYS }, (_, i) => system.get.encode(key(i))) },
    });
    for (const c of clients) c.close();
    return phases;
  } finally {
    server.child.kill('SIGKILL');
    await exited(server.child);
    if (server.dir) await rm(server.dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  pinLoadGenerator();
  const rounds = Number(args.rounds);
  const runs = systems.map(() => [] as Phases[]);
  for (let round = 0; round < rounds; round++) {
    process.stderr.write(`round ${round + 1} of ${rounds}…\n`);
    for (let i = 0; i < systems.length; i++) {
      const at = (i + round) % systems.length;
      runs[at]!.push(await measure(systems[at]!));
    }
  }
  const microsPerCall = (r: LoadResult) => (r.serverCpu / 100 / r.opsPerSecond) * 1e6;
  for (const op of ['put', 'get'] as const) {
    const name = op === 'put' ? 'Put' : 'Get';
    const rows = systems.map((system, i) => {
      const rs = runs[i]!.map((phases) => phases[op]);
      return {
        server: system.name,
        [`${name} ops/s`]: median(rs.map((r) => r.opsPerSecond)),
        'p50 ms': median(rs.map((r) => r.p50Ms)),
        'server CPU %': median(rs.map((r) => r.serverCpu)),
        'server µs/call': median(rs.map(microsPerCall)),
        'generator CPU %': median(rs.map((r) => r.generatorCpu)),
      };
    });
    printTable(`${name}, 8 connections × 16 in flight, ${args.seconds} s per run, medians of ${rounds} rounds`, rows);
    const ops = (i: number) => median(runs[i]!.map((phases) => phases[op].opsPerSecond));
    const etcd = systems.length - 1;
    for (let i = 0; i < etcd; i++) {
      console.log(
        `${name}, ${systems[i]!.name}: ${(ops(i) / ops(etcd)).toFixed(2)}× etcd's ops/s; ` +
          `${rows[i]!['server µs/call'].toFixed(1)} µs of server CPU per call against etcd's ${rows[etcd]!['server µs/call'].toFixed(1)} µs`,
      );
    }
  }
}

// Last, so every declaration above is initialised: the same file is the benchmark and, with a flag, a floor server.
if (args['serve-bare']) serveBare();
else if (args['serve-grpc-js']) serveGrpcJs();
else await main();
