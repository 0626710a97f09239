/**
 * gRPC KV vs etcd, side by side in one run with the same Node load generator (bench/src/grpc-load.ts): closed loop,
 * fixed connections × in-flight calls, 8-byte keys, 256-byte values. Both servers run on the same disk, pinned to
 * CPU 0 when `taskset` exists (the generator takes CPU 1), at equal durability: first fsync on both (etcd's default,
 * ours KVERSE_FSYNC=group), then fsync off on both (etcd --unsafe-no-fsync, ours KVERSE_FSYNC=none).
 * Measures Put and Get ops/s with p50/p99, and watch latency (one Put → 1,000 watchers of that key) p99.
 *
 *   npx tsc -b && node bench/dist/grpc-kv-vs-etcd.js [--seconds 5] [--connections 8] [--in-flight 16] [--rounds 3]
 *     [--watchers 1000] (0 skips the watch phase)
 *
 * etcd comes from ETCD_BIN, else the binary scripts/cluster/ builds into ~/.cache/kverse/bin/etcd-v*, else PATH
 * (bench/src/etcd.ts).
 */
import { type ChildProcess, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHistogram } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { Client, ClientReadableStream } from '@grpc/grpc-js';
import { ETCD_PUT, ETCD_RANGE, encodeEtcdPut, encodeEtcdRange, etcdProto, findEtcd, startEtcd } from './etcd.js';
import { encodeMessage, kvProto, type LoadResult, openClients, putThenGet, sleep } from './grpc-load.js';
import { median, medianBy, printRatio, printTable, type Row } from './report.js';
import { awaitOutput, exited, hasTaskset, pinLoadGenerator, spawnPinned } from './serve.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    // Long enough (≈ 30,000 calls) for V8 to have compiled the server's per-call code with its optimizing compiler,
    // which it does after about 10,000 calls (see docs/benchmarks.md, Data plane); etcd gets the same warm-up.
    warmup: { type: 'string', default: '4' },
    connections: { type: 'string', default: '8' },
    'in-flight': { type: 'string', default: '16' },
    watchers: { type: 'string', default: '1000' },
    'watch-puts': { type: 'string', default: '100' },
    // Each round runs every system once, in rotated order; figures are medians, ratios the median of each round's.
    rounds: { type: 'string', default: '3' },
  },
});
const seconds = Number(args.seconds);
const warmupSeconds = Number(args.warmup);
const connections = Number(args.connections);
const inFlight = Number(args['in-flight']);
const watcherCount = Number(args.watchers);
const watchPuts = Number(args['watch-puts']);
const rounds = Number(args.rounds);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a whole number ≥ 1, got ${args.rounds}`);
const root = new URL('../../', import.meta.url).pathname;
const KEYS = 10_000;
const VALUE_BYTES = 256;

const key = (i: number) => `k${String(i).padStart(7, '0')}`; // 8 bytes
const value = (tag: string) => tag.padEnd(VALUE_BYTES, '.');

/** One system under test: how to start it and how its requests look on the wire. */
interface Target {
  readonly name: string;
  start(fsync: boolean, dir: string): Promise<{ address: string; child: ChildProcess }>;
  readonly put: { method: string; encode(k: string, v: string): Buffer };
  readonly get: { method: string; encode(k: string): Buffer };
  /** Opens a watcher of `k`; `onValue` gets each put value; resolves once the watch is registered. */
  watch(client: Client, k: string, onValue: (v: string) => void): Promise<{ close(): void }>;
}

const grpcKv: Target = {
  name: 'KVerse gRPC KV',
  async start(fsync, dir) {
    const env = { KVERSE_DATA_DIR: dir, KVERSE_FSYNC: fsync ? 'group' : 'none', GRPC_KV_HOST: '127.0.0.1' };
    const child = pinned(process.execPath, [join(root, 'apps/grpc-kv/dist/main.js')], {
      ...env,
      GRPC_KV_PORT: '0',
      GRPC_KV_METRICS_PORT: '0',
      LOG_LEVEL: 'info',
    });
    const { address } = await awaitOutput(child, { address: /"address":"([^"]+)"[^\n]*gRPC KV ready/ }, 'gRPC KV');
    return { address, child };
  },
  put: {
    method: '/kvstore.KvStore/Put',
    encode: (k, v) => encodeMessage(kvProto, 'kvstore.PutRequest', { key: k, value: v }),
  },
  get: { method: '/kvstore.KvStore/Get', encode: (k) => encodeMessage(kvProto, 'kvstore.GetRequest', { key: k }) },
  async watch(client, k, onValue) {
    const type = kvProto.lookupType('kvstore.WatchResponse');
    const stream: ClientReadableStream<{ value: string }> = client.makeServerStreamRequest(
      '/kvstore.KvStore/Watch',
      (b: Buffer) => b,
      (b: Buffer) => type.decode(b) as unknown as { value: string },
      encodeMessage(kvProto, 'kvstore.WatchRequest', { key: k }),
    );
    stream.on('data', (e: { value: string }) => onValue(e.value));
    stream.on('error', () => {});
    await new Promise((resolve) => stream.once('metadata', resolve));
    return { close: () => stream.cancel() };
  },
};

function etcdTarget(bin: string, serializable: boolean): Target {
  return {
    name: serializable ? 'etcd (serializable Get)' : 'etcd',
    start: (fsync, dir) => startEtcd(bin, dir, fsync),
    put: { method: ETCD_PUT, encode: encodeEtcdPut },
    get: { method: ETCD_RANGE, encode: (k) => encodeEtcdRange(k, serializable) },
    async watch(client, k, onValue) {
      const type = etcdProto.lookupType('etcdserverpb.WatchResponse');
      type WatchResponse = { created?: boolean; events?: Array<{ kv?: { value?: Uint8Array } }> };
      const stream = client.makeBidiStreamRequest(
        '/etcdserverpb.Watch/Watch',
        (b: Buffer) => b,
        (b: Buffer) => type.decode(b) as unknown as WatchResponse,
      );
      const created = new Promise((resolve) => {
        stream.on('data', (r: WatchResponse) => {
          if (r.created) resolve(undefined);
          for (const e of r.events ?? []) onValue(Buffer.from(e.kv?.value ?? []).toString());
        });
      });
      stream.on('error', () => {});
      stream.write(encodeMessage(etcdProto, 'etcdserverpb.WatchRequest', { createRequest: { key: Buffer.from(k) } }));
      await created;
      return { close: () => stream.cancel() };
    },
  };
}

/** Put → every watcher: latency from sending the Put to each watcher receiving it, puts spaced 20 ms apart. */
async function watchLatency(
  target: Target,
  address: string,
): Promise<{ p50Ms: number; p99Ms: number; missing: number }> {
  const clients = openClients(address, 10);
  const sentAt = new Map<number, bigint>();
  const histogram = createHistogram();
  let received = 0;
  const watches = await Promise.all(
    Array.from({ length: watcherCount }, (_, i) =>
      target.watch(clients[i % clients.length]!, 'watched', (v) => {
        const started = sentAt.get(Number.parseInt(v, 10));
        if (started === undefined) return;
        received++;
        histogram.record(Number(process.hrtime.bigint() - started) || 1);
      }),
    ),
  );
  const [writer] = openClients(address, 1);
  for (let seq = 0; seq < watchPuts; seq++) {
    sentAt.set(seq, process.hrtime.bigint());
    await new Promise((resolve) =>
      writer!.makeUnaryRequest(
        target.put.method,
        (b: Buffer) => b,
        (b: Buffer) => b,
        target.put.encode('watched', value(`${seq}:`)),
        resolve,
      ),
    );
    await sleep(20);
  }
  await sleep(500);
  for (const w of watches) w.close();
  for (const c of [...clients, writer!]) c.close();
  return {
    p50Ms: histogram.percentile(50) / 1e6,
    p99Ms: histogram.percentile(99) / 1e6,
    missing: watcherCount * watchPuts - received,
  };
}

interface TargetResult {
  put: LoadResult;
  get: LoadResult;
  watch?: { p50Ms: number; p99Ms: number; missing: number };
}

async function runTarget(target: Target, fsync: boolean, withWatch: boolean): Promise<TargetResult> {
  const dir = await mkdtemp(join(tmpdir(), 'kverse-bench-grpc-'));
  const { address, child } = await target.start(fsync, dir);
  try {
    const clients = openClients(address, connections);
    const { put, get } = await putThenGet({
      clients,
      inFlight,
      seconds,
      warmupSeconds,
      serverPid: child.pid,
      put: {
        method: target.put.method,
        requests: Array.from({ length: KEYS }, (_, i) => target.put.encode(key(i), value(`v${i}`))),
      },
      get: { method: target.get.method, requests: Array.from({ length: KEYS }, (_, i) => target.get.encode(key(i))) },
    });
    for (const c of clients) c.close();
    const watch = withWatch ? await watchLatency(target, address) : undefined;
    return { put, get, ...(watch ? { watch } : {}) };
  } finally {
    child.kill('SIGKILL');
    await exited(child);
    await rm(dir, { recursive: true, force: true });
  }
}

function pinned(command: string, argv: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawnPinned(command, argv, { env: { ...process.env, ...env }, stdio: 'pipe' });
}

const row = (system: string, op: string, r: LoadResult): Row => ({
  system,
  op,
  'ops/s': Math.round(r.opsPerSecond),
  'p50 ms': r.p50Ms,
  'p99 ms': r.p99Ms,
  errors: r.errors,
  'server CPU %': Math.round(r.serverCpu),
  'ops/server-core-s': Math.round(perCore(r)),
  'generator CPU %': Math.round(r.generatorCpu),
});

/** Ops per second of server CPU: the figure that survives a machine shared with other work. */
const perCore = (r: LoadResult) => (r.serverCpu > 0 ? r.opsPerSecond / (r.serverCpu / 100) : 0);

interface Measured {
  readonly ours: TargetResult;
  readonly etcd: TargetResult;
  readonly etcdSer: TargetResult;
}

/** Runs the three targets once each, in an order rotated by `round` so none is always first after a quiet spell. */
async function measureRound(etcdBin: string, fsync: boolean, round: number): Promise<Measured> {
  const withWatch = watcherCount > 0;
  const runs = [
    () => runTarget(grpcKv, fsync, withWatch),
    () => runTarget(etcdTarget(etcdBin, false), fsync, withWatch),
    () => runTarget(etcdTarget(etcdBin, true), fsync, false),
  ];
  const results: TargetResult[] = [];
  for (let i = 0; i < runs.length; i++) {
    const at = (i + round) % runs.length;
    results[at] = await runs[at]!();
  }
  return { ours: results[0]!, etcd: results[1]!, etcdSer: results[2]! };
}

/** The ratios the goals are about, for one round (each pair measured minutes apart at most). */
function ratios({ ours, etcd, etcdSer }: Measured) {
  return {
    put: ours.put.opsPerSecond / etcd.put.opsPerSecond,
    get: ours.get.opsPerSecond / Math.max(etcd.get.opsPerSecond, etcdSer.get.opsPerSecond),
    putPerCore: perCore(ours.put) / perCore(etcd.put),
    getPerCore: perCore(ours.get) / Math.max(perCore(etcd.get), perCore(etcdSer.get)),
    watchP99: ours.watch && etcd.watch ? etcd.watch.p99Ms / ours.watch.p99Ms : Number.NaN,
  };
}

async function main(): Promise<void> {
  // The generator takes CPU 1 (every thread), the servers CPU 0.
  pinLoadGenerator();
  const etcdBin = findEtcd();
  const version = spawnSync(etcdBin, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0];
  console.log(
    `gRPC KV vs etcd: ${connections} connections × ${inFlight} in flight, ${seconds} s per phase after ${warmupSeconds} s warm-up, ` +
      `${KEYS} keys of 8 bytes, ${VALUE_BYTES}-byte values, ${watcherCount} watchers, ${rounds} rounds; ${version}; ` +
      `pinned: ${hasTaskset}`,
  );
  let allMet = true;
  for (const fsync of [true, false]) {
    const label = fsync ? 'fsync on' : 'fsync off';
    const measured: Measured[] = [];
    for (let r = 0; r < rounds; r++) {
      process.stderr.write(`${label}: round ${r + 1} of ${rounds}…\n`);
      measured.push(await measureRound(etcdBin, fsync, r));
    }
    // Each row is the round with the median ops/s (or watch p99) of that system and operation.
    const mid = (pick: (m: Measured) => LoadResult) => medianBy(measured.map(pick), (x) => x.opsPerSecond)!;
    const rows: Array<[string, string, (m: Measured) => LoadResult]> = [
      [grpcKv.name, 'Put', (m) => m.ours.put],
      ['etcd', 'Put', (m) => m.etcd.put],
      [grpcKv.name, 'Get', (m) => m.ours.get],
      ['etcd (linearizable Range)', 'Get', (m) => m.etcd.get],
      ['etcd (serializable Range)', 'Get', (m) => m.etcdSer.get],
    ];
    printTable(
      `${label}: throughput and latency (median of ${rounds} rounds)`,
      rows.map(([system, op, pick]) => row(system, op, mid(pick))),
    );
    const perRound = measured.map(ratios);
    if (watcherCount > 0) {
      const watchRow = (system: string, pick: (m: Measured) => TargetResult['watch']) => {
        const w = medianBy(
          measured.map((m) => pick(m)!),
          (x) => x.p99Ms,
        )!;
        return { system, 'p50 ms': w.p50Ms, 'p99 ms': w.p99Ms, missing: w.missing };
      };
      printTable(`${label}: watch latency, one Put → ${watcherCount} watchers (median p99 of ${rounds} rounds)`, [
        watchRow(grpcKv.name, (m) => m.ours.watch),
        watchRow('etcd', (m) => m.etcd.watch),
      ]);
    }
    printTable(
      `${label}: each round's ratios (ours ÷ etcd; watch: etcd's p99 ÷ ours)`,
      perRound.map((x, r) => ({
        round: r + 1,
        Put: `${x.put.toFixed(2)}×`,
        Get: `${x.get.toFixed(2)}×`,
        'Put per core': `${x.putPerCore.toFixed(2)}×`,
        'Get per core': `${x.getPerCore.toFixed(2)}×`,
        ...(watcherCount > 0 ? { 'watch p99': `${x.watchP99.toFixed(2)}×` } : {}),
      })),
    );
    const med = (pick: (x: ReturnType<typeof ratios>) => number) => median(perRound.map(pick));
    const goal = (name: string, pick: (x: ReturnType<typeof ratios>) => number) => {
      allMet = printRatio(`${label} ${name} (median of rounds)`, med(pick), 1) && allMet;
    };
    goal('Put ops/s vs etcd', (x) => x.put);
    goal("Get ops/s vs etcd's faster Range", (x) => x.get);
    console.log(
      `${label} per server core (information): Put ${med((x) => x.putPerCore).toFixed(2)}×, ` +
        `Get ${med((x) => x.getPerCore).toFixed(2)}×`,
    );
    if (watcherCount > 0) goal('watch p99, etcd ÷ ours', (x) => x.watchP99);
  }
  console.log(allMet ? '\nall goals met' : '\nsome goals MISSED');
}

await main();
