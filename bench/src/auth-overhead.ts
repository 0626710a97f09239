/**
 * The cost of access control: REST `GET /kv?key=` and `PUT /kv` (202) with autocannon, and gRPC Get/Put with a
 * closed-loop client, against two platforms started side by side in this run — one with auth off (the `npm start`
 * default) and one with auth on: a bearer token checked on every request, its token bucket taken (limits set high
 * enough never to refuse, so the check is measured, not the refusals) and an audit line written for every write.
 * Each platform runs alone in its process on CPU 0 (when taskset exists); the load generators run here. Every
 * measurement is repeated `--rounds` times, alternating off/on; the table shows the median of each side, and the
 * ratios are the median of the rounds' own on/off ratios (each pair measured back to back), so drift on a shared
 * machine cancels out of each pair instead of landing on one side.
 *
 *   npm run bench -- auth-overhead [--duration 5] [--rounds 5] [--connections 50] [--grpc-inflight 64]
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Metadata } from '@grpc/grpc-js';
import { AccessControl, createAuditLog, createToken, KeyedRateLimiter, parseTokenEntries } from '@kverse/access';
import { apiConfigSpec, buildApi } from '@kverse/api';
import { dataPlaneConfigSpec, openEmbeddedDataPlane } from '@kverse/data-plane';
import { createLogger, createMetricsRegistry, parseConfig } from '@kverse/runtime';
import autocannon from 'autocannon';
import { closedLoop, encodeMessage, kvProto, openClients, processCpuSeconds } from './grpc-load.js';
import { median, medianBy, printRatio, printTable, type Row } from './report.js';
import { pinLoadGenerator, startKverse } from './serve.js';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '50' },
    'grpc-inflight': { type: 'string', default: '64' },
    'value-bytes': { type: 'string', default: '256' },
  },
});
const duration = Number(args.duration);
const rounds = Number(args.rounds);
const connections = Number(args.connections);
const inflight = Number(args['grpc-inflight']);
const value = 'v'.repeat(Number(args['value-bytes']));
const GOAL = 0.9;
/** gRPC load: this many connections, each with `--grpc-inflight` / GRPC_CONNECTIONS calls outstanding. */
const GRPC_CONNECTIONS = 8;

interface Platform {
  readonly child: ChildProcess;
  readonly restUrl: string;
  readonly grpcAddress: string;
  readonly dataDir: string;
}

/** `kverse start` on free ports with `env`, pinned to CPU 0; resolves once both front doors are listening. */
async function startPlatform(env: NodeJS.ProcessEnv): Promise<Platform> {
  const dataDir = await mkdtemp(join(tmpdir(), 'kverse-bench-auth-'));
  return { ...(await startKverse(dataDir, env)), dataDir };
}

async function rest(url: string, token: string | undefined, method: 'GET' | 'PUT'): Promise<autocannon.Result> {
  const auth = token ? { authorization: `Bearer ${token}` } : {};
  let i = 0;
  return autocannon({
    connections,
    duration,
    pipelining: 1,
    ...(method === 'GET'
      ? { url: `${url}/kv?key=bench-key`, headers: auth }
      : {
          url: `${url}/kv`,
          method: 'PUT',
          headers: { 'content-type': 'application/json', ...auth },
          // A distinct key per request exercises the full write path, not one hot key.
          requests: [
            { setupRequest: (req) => ({ ...req, body: JSON.stringify({ key: `bench/${i++ % 100_000}`, value }) }) },
          ],
        }),
  });
}

/**
 * CPU time of the check itself, in this process: what auth adds to each request (a SHA-256 of the token, the
 * constant-time compare, two bucket updates) and to each write (one audit line). Steady on a busy machine, where
 * the req/s ratios above are at the mercy of other load.
 */
function inProcessCost(token: string, entry: string): Row[] {
  const access = new AccessControl({
    enabled: true,
    tokens: parseTokenEntries(entry, 'bench'),
    perToken: new KeyedRateLimiter(1e9, 1e9, 100_000),
    perAddress: new KeyedRateLimiter(1e9, 1e9, 100_000),
  });
  const authorization = `Bearer ${token}`;
  const audit = createAuditLog({ write: () => true });
  const time = (n: number, fn: (i: number) => void) => {
    for (let i = 0; i < n / 10; i++) fn(i); // warm-up
    const start = performance.now();
    for (let i = 0; i < n; i++) fn(i);
    return ((performance.now() - start) * 1000) / n;
  };
  const check = time(200_000, (i) => access.decide({ need: 'write', authorization, address: `10.0.${i % 250}.1` }));
  const line = time(100_000, (i) =>
    audit.record({ tokenId: 'bench', op: 'put', keys: [`k${i}`], version: '1', outcome: 'accepted', via: 'rest' }),
  );
  return [
    { step: 'token check + per-token and per-address buckets (each request)', 'µs per call': check },
    { step: 'audit line (each write)', 'µs per call': line },
  ];
}

/**
 * The REST API in this process (embedded data plane, no network: `inject`), auth off and on, GET and PUT: the best
 * of several alternating rounds, so other load on the machine inflates neither side.
 */
async function inProcessRest(token: string, entry: string): Promise<Row[]> {
  const logger = createLogger({ name: 'bench', level: 'silent' });
  const dataDir = await mkdtemp(join(tmpdir(), 'kverse-bench-auth-inject-'));
  const opened = await openEmbeddedDataPlane(
    parseConfig(dataPlaneConfigSpec, { KVERSE_DATA_DIR: dataDir, KVERSE_FSYNC: 'none' }),
    logger,
  );
  const build = (access?: AccessControl) =>
    buildApi(parseConfig(apiConfigSpec, { PORT: '0' }), {
      dataPlane: opened.dataPlane,
      logger,
      metrics: createMetricsRegistry(),
      ...(access ? { access } : {}),
    });
  const audit = createAuditLog({ write: () => true });
  const apps = {
    off: await build(),
    on: await build(
      new AccessControl({
        enabled: true,
        tokens: parseTokenEntries(entry, 'bench'),
        perToken: new KeyedRateLimiter(1e9, 1e9, 100_000),
        perAddress: new KeyedRateLimiter(1e9, 1e9, 100_000),
        audit,
      }),
    ),
  };
  // The same header bytes on both sides, so only the check differs.
  const headers = { off: { 'x-filler': `Bearer ${token}` }, on: { authorization: `Bearer ${token}` } };
  try {
    await apps.off.inject({ method: 'PUT', url: '/kv?wait=applied', payload: { key: 'bench-key', value } });
    const n = 3000;
    const perRequest = async (side: 'off' | 'on', method: 'GET' | 'PUT') => {
      const start = performance.now();
      for (let i = 0; i < n; i++) {
        await apps[side].inject(
          method === 'GET'
            ? { method, url: '/kv?key=bench-key', headers: headers[side] }
            : { method, url: '/kv', headers: headers[side], payload: { key: `bench/${i}`, value } },
        );
      }
      return ((performance.now() - start) * 1000) / n;
    };
    const rows: Row[] = [];
    for (const method of ['GET', 'PUT'] as const) {
      const best = { off: Number.POSITIVE_INFINITY, on: Number.POSITIVE_INFINITY };
      for (let r = 0; r < Math.max(4, 2 * rounds); r++) {
        best.off = Math.min(best.off, await perRequest('off', method));
        best.on = Math.min(best.on, await perRequest('on', method));
      }
      rows.push({
        request: `${method} (inject)`,
        'µs auth off': best.off,
        'µs auth on': best.on,
        'on / off throughput': `${(best.off / best.on).toFixed(2)}×`,
      });
    }
    return rows;
  } finally {
    await apps.off.close();
    await apps.on.close();
    await opened.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  pinLoadGenerator();
  const { token, entry } = createToken('bench', 'write');
  const [off, on] = [
    await startPlatform({}),
    await startPlatform({
      KVERSE_AUTH_ENABLED: 'true',
      KVERSE_AUTH_TOKENS: entry,
      KVERSE_RATE_LIMIT_RPS: '1000000',
      KVERSE_RATE_LIMIT_BURST: '1000000',
      KVERSE_RATE_LIMIT_ADDRESS_RPS: '1000000',
      KVERSE_RATE_LIMIT_ADDRESS_BURST: '1000000',
    }),
  ];
  // The gRPC load is the shared closed-loop generator (pre-encoded requests, undecoded responses), so the client's
  // own cost stays small and equal on both sides; only the auth side sends the token.
  const clients = {
    off: openClients(off.grpcAddress, GRPC_CONNECTIONS),
    on: openClients(on.grpcAddress, GRPC_CONNECTIONS),
  };
  const authMetadata = new Metadata();
  authMetadata.set('authorization', `Bearer ${token}`);
  try {
    for (const [p, t] of [
      [off, undefined],
      [on, token],
    ] as const) {
      const res = await fetch(`${p.restUrl}/kv?wait=applied`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', ...(t ? { authorization: `Bearer ${t}` } : {}) },
        body: JSON.stringify({ key: 'bench-key', value }),
      });
      if (res.status !== 200) throw new Error(`seeding answered ${res.status}: ${await res.text()}`);
    }

    const rows: Row[] = [];
    const ratios: Array<[string, number, number]> = [];
    // One measurement: req/s, the server's CPU time per request, and for REST latency percentiles; errors.
    // `genCpu`: this process's CPU in % of a core — near 100 % means the generator, not the server, set the rate.
    type Sample = { rps: number; cpuUs: number; genCpu: number; p50?: number; p99?: number; errors: number };
    const sampled = async (
      p: Platform,
      run: () => Promise<{ rps: number; count: number; p50?: number; p99?: number; errors: number }>,
    ): Promise<Sample> => {
      const cpu0 = processCpuSeconds(p.child.pid);
      const gen0 = process.cpuUsage();
      const t0 = performance.now();
      const r = await run();
      const gen = process.cpuUsage(gen0);
      return {
        ...r,
        cpuUs: ((processCpuSeconds(p.child.pid) - cpu0) * 1e6) / Math.max(1, r.count),
        genCpu: ((gen.user + gen.system) / 1e3 / (performance.now() - t0)) * 100,
      };
    };
    const measure = async (name: string, off: () => Promise<Sample>, on: () => Promise<Sample>) => {
      // One unrecorded pair first: V8 compiles each server's per-request code with its optimizing compiler after
      // about 10,000 requests (see docs/benchmarks.md, Data plane), which the first measured round would include.
      await off();
      await on();
      const samples: { off: Sample[]; on: Sample[] } = { off: [], on: [] };
      for (let r = 0; r < rounds; r++) {
        samples.off.push(await off());
        samples.on.push(await on());
      }
      const side = (label: string, list: Sample[]) => {
        const m = medianBy(list, (x) => x.rps)!;
        return {
          run: `${name} auth ${label}`,
          'req/s (median)': Math.round(m.rps),
          'req/s (each round)': list.map((x) => Math.round(x.rps)).join(' / '),
          'server CPU µs/req (median)': medianBy(list, (x) => -x.cpuUs)!.cpuUs,
          'generator CPU %': Math.round(medianBy(list, (x) => x.genCpu)!.genCpu),
          ...(m.p50 !== undefined ? { 'p50 ms': m.p50, 'p99 ms': m.p99 ?? 0 } : {}),
          errors: list.reduce((n, x) => n + x.errors, 0),
        };
      };
      rows.push(side('off', samples.off), side('on', samples.on));
      // Paired: each round's on/off ratio (measured back to back), then the median over rounds.
      const paired = (ratio: (off: Sample, on: Sample) => number) =>
        median(samples.off.map((o, r) => ratio(o, samples.on[r]!)));
      ratios.push([name, paired((o, n) => n.rps / o.rps), paired((o, n) => o.cpuUs / n.cpuUs)]);
    };
    const restSample = (p: Platform, t: string | undefined, method: 'GET' | 'PUT') =>
      sampled(p, async () => {
        const r = await rest(p.restUrl, t, method);
        const errors = r.errors + r.non2xx;
        return { rps: r.requests.average, count: r.requests.total, p50: r.latency.p50, p99: r.latency.p99, errors };
      });
    for (const method of ['GET', 'PUT'] as const) {
      await measure(
        `REST ${method}`,
        () => restSample(off, undefined, method),
        () => restSample(on, token, method),
      );
    }
    const getRequest = encodeMessage(kvProto, 'kvstore.GetRequest', { key: 'bench-key' });
    const putRequests = Array.from({ length: 10_000 }, (_, i) =>
      encodeMessage(kvProto, 'kvstore.PutRequest', { key: `bench/grpc/${i}`, value }),
    );
    type GrpcCall = { readonly method: string; readonly request: (i: number) => Buffer };
    const grpcCalls: Record<'Get' | 'Put', GrpcCall> = {
      Get: { method: '/kvstore.KvStore/Get', request: () => getRequest },
      Put: { method: '/kvstore.KvStore/Put', request: (i: number) => putRequests[i % putRequests.length]! },
    };
    const grpcSample = async (p: Platform, side: 'off' | 'on', call: GrpcCall) => {
      const r = await closedLoop({
        clients: clients[side],
        method: call.method,
        inFlight: Math.max(1, Math.round(inflight / GRPC_CONNECTIONS)),
        seconds: duration,
        warmupSeconds: 1,
        request: call.request,
        serverPid: p.child.pid,
        ...(side === 'on' ? { metadata: authMetadata } : {}),
      });
      const cpuUs = ((r.serverCpu / 100) * r.seconds * 1e6) / Math.max(1, r.ops);
      return { rps: r.opsPerSecond, cpuUs, genCpu: r.generatorCpu, errors: r.errors };
    };
    for (const [name, call] of Object.entries(grpcCalls)) {
      await measure(
        `gRPC ${name}`,
        () => grpcSample(off, 'off', call),
        () => grpcSample(on, 'on', call),
      );
    }

    printTable(
      `Access control cost: REST ${connections} connections, gRPC ${inflight} calls in flight, ${duration}s each, ` +
        `${rounds} rounds alternating off/on, ` +
        `${args['value-bytes']}-byte values (embedded data plane, fsync: group commit)`,
      rows,
    );
    // Throughput moves with whatever else the machine runs; the server's CPU time per request does not, so its ratio
    // (requests per CPU-second, on / off) is the steadier figure on a shared machine.
    for (const [name, throughput, efficiency] of ratios) {
      printRatio(`${name} req/s, auth on / off`, throughput, GOAL);
      printRatio(`${name} requests per server CPU-second, auth on / off`, efficiency, GOAL);
    }
    printTable('CPU time access control adds, measured in-process', inProcessCost(token, entry));
    printTable(
      'One REST request in-process (no network), best of alternating rounds',
      await inProcessRest(token, entry),
    );
  } finally {
    for (const c of [...clients.off, ...clients.on]) c.close();
    for (const p of [off, on]) {
      p.child.kill('SIGTERM');
      await new Promise((resolve) => p.child.once('exit', resolve));
      await rm(p.dataDir, { recursive: true, force: true });
    }
  }
}

await main();
