/**
 * How much of a gRPC KV Get is the gRPC server library: the same closed-loop Get load (bench/src/grpc-load.ts, 8
 * connections × 16 in flight, pre-encoded requests) against the KVerse gRPC KV server (standalone, log engine,
 * fsync off) and against a bare Node HTTP/2 server that answers every call with a canned gRPC response of the same
 * size (no gRPC library, no store) — the floor any Node gRPC server stands on. Both run pinned to CPU 0, the
 * generator on CPU 1, rounds alternating. Prints ops/s, the server's CPU time per call and how busy the generator
 * was: a server that answers promptly keeps the generator near 100 % (what etcd does in `grpc-kv-vs-etcd`).
 *
 *   npm run bench -- grpc-floor [--seconds 5] [--warmup 4] [--rounds 2]
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import http2 from 'node:http2';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { closedLoop, encodeMessage, kvProto, type LoadResult, openClients, sendAll } from './grpc-load.js';
import { median, printTable } from './report.js';
import { awaitOutput, pinLoadGenerator, spawnPinned, startApp } from './serve.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '2' },
    'serve-bare': { type: 'boolean', default: false },
  },
});

const KEYS = 10_000;
const VALUE = 'v'.repeat(256);
const key = (i: number) => `k${String(i).padStart(7, '0')}`;

if (args['serve-bare']) serveBare();
else await main();

/** The bare server: every call gets a GetResponse-sized message and status OK, on a TCP_NODELAY listener. */
function serveBare(): void {
  const message = encodeMessage(kvProto, 'kvstore.GetResponse', { key: key(0), value: VALUE, version: '1' });
  const framed = Buffer.alloc(5 + message.length);
  framed.writeUInt32BE(message.length, 1);
  message.copy(framed, 5);
  const server = http2.createServer();
  server.on('stream', (stream) => {
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

interface Started {
  readonly child: ChildProcess;
  readonly address: string;
  readonly dir?: string;
}

async function startBare(): Promise<Started> {
  const child = spawnPinned(process.execPath, [fileURLToPath(import.meta.url), '--serve-bare'], { stdio: 'pipe' });
  const { address } = await awaitOutput(child, { address: /bare HTTP\/2 on (\S+)/ }, 'bare HTTP/2');
  return { child, address };
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

async function measure(start: () => Promise<Started>, preload: boolean): Promise<LoadResult> {
  const server = await start();
  try {
    const clients = openClients(server.address, 8);
    if (preload) {
      const puts = Array.from({ length: KEYS }, (_, i) =>
        encodeMessage(kvProto, 'kvstore.PutRequest', { key: key(i), value: VALUE }),
      );
      await sendAll(clients, '/kvstore.KvStore/Put', puts);
    }
    const gets = Array.from({ length: KEYS }, (_, i) => encodeMessage(kvProto, 'kvstore.GetRequest', { key: key(i) }));
    const result = await closedLoop({
      clients,
      method: '/kvstore.KvStore/Get',
      inFlight: 16,
      seconds: Number(args.seconds),
      warmupSeconds: Number(args.warmup),
      request: (i) => gets[(i * 7919) % KEYS]!,
      ...(server.child.pid === undefined ? {} : { serverPid: server.child.pid }),
    });
    for (const c of clients) c.close();
    return result;
  } finally {
    server.child.kill('SIGKILL');
    await new Promise((resolve) =>
      server.child.exitCode !== null ? resolve(null) : server.child.once('exit', resolve),
    );
    if (server.dir) await rm(server.dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  pinLoadGenerator();
  const runs = { bare: [] as LoadResult[], kverse: [] as LoadResult[] };
  for (let round = 0; round < Number(args.rounds); round++) {
    const order = round % 2 === 0 ? (['bare', 'kverse'] as const) : (['kverse', 'bare'] as const);
    for (const which of order) {
      runs[which].push(await measure(which === 'bare' ? startBare : startKverse, which === 'kverse'));
    }
  }
  const microsPerCall = (r: LoadResult) => (r.serverCpu / 100 / r.opsPerSecond) * 1e6;
  const row = (name: string, rs: LoadResult[]) => ({
    server: name,
    'Get ops/s': median(rs.map((r) => r.opsPerSecond)),
    'p50 ms': median(rs.map((r) => r.p50Ms)),
    'server CPU %': median(rs.map((r) => r.serverCpu)),
    'server µs/call': median(rs.map(microsPerCall)),
    'generator CPU %': median(rs.map((r) => r.generatorCpu)),
  });
  const bare = row('bare Node HTTP/2, canned response', runs.bare);
  const kverse = row('KVerse gRPC KV (log engine, fsync off)', runs.kverse);
  printTable(`Get, 8 connections × 16 in flight, ${args.seconds} s per run, medians of ${args.rounds} rounds`, [
    bare,
    kverse,
  ]);
  console.log(`KVerse / bare HTTP/2, Get ops/s: ${(kverse['Get ops/s'] / bare['Get ops/s']).toFixed(2)}×`);
  console.log(
    `server CPU per call: KVerse ${kverse['server µs/call'].toFixed(1)} µs, bare ${bare['server µs/call'].toFixed(1)} µs`,
  );
}
