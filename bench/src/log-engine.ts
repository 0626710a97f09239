/**
 * Log engine write throughput: writes/s and writes per fsync at concurrency 1 and 64, group commit against
 * fsync-per-write, and Redis with `appendonly yes` + `appendfsync always` driven by `redis-benchmark -t set` at the
 * same value size and concurrency — all in one run, on the same disk (data directories under --dir). Every
 * acknowledged write is durable in all three (Redis fsyncs the AOF before replying).
 *
 * Each engine writer loops `apply([put])` of a fresh key with a --value-bytes value and waits for the
 * acknowledgement before the next, like a redis-benchmark client without pipelining.
 *
 *   npx tsc -b && node bench/dist/log-engine.js [--rounds 3] [--seconds 3] [--value-bytes 256] [--dir /tmp]
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openLogEngine, type SyncMode } from '@kverse/log-engine';
import { createLogger } from '@kverse/runtime';
import { median, printRatio, printTable, type Row } from './report.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
    'value-bytes': { type: 'string', default: '256' },
    dir: { type: 'string', default: tmpdir() },
  },
});
const seconds = Number(args.seconds);
const rounds = Number(args.rounds);
const valueBytes = Number(args['value-bytes']);
const CONCURRENCY = [1, 64] as const;

interface Result {
  readonly writesPerSecond: number;
  /** Acknowledged writes per fdatasync; undefined where it cannot be observed (Redis). */
  readonly writesPerFsync: number | undefined;
}

async function measureEngine(sync: SyncMode, concurrency: number): Promise<Result> {
  const dir = await mkdtemp(join(args.dir, `kverse-bench-${sync}-`));
  const engine = await openLogEngine({ dir, sync, logger: createLogger({ name: 'bench', level: 'warn' }) });
  try {
    const value = 'v'.repeat(valueBytes);
    let running = true;
    let writes = 0;
    const writer = async (w: number) => {
      for (let n = 0; running; n++) {
        await engine.apply([
          { op: 'put', key: `bench/${w}/${n}`, value, version: BigInt(n + 1), writer: `w${w}`, timestamp: Date.now() },
        ]);
        writes += 1;
      }
    };
    // Half a second of warm-up (JIT, file allocation), then the measured window.
    const workers = Array.from({ length: concurrency }, (_, w) => writer(w));
    await sleep(500);
    const before = { writes, fsyncs: engine.stats().fsyncs, at: performance.now() };
    await sleep(seconds * 1000);
    const after = { writes, fsyncs: engine.stats().fsyncs, at: performance.now() };
    running = false;
    await Promise.all(workers);
    const done = after.writes - before.writes;
    return {
      writesPerSecond: done / ((after.at - before.at) / 1000),
      writesPerFsync: done / Math.max(1, after.fsyncs - before.fsyncs),
    };
  } finally {
    await engine.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** A temporary redis-server with AOF fsync on every write, its files in a temp folder on the same disk. */
async function startRedis(): Promise<{ port: number; stop: () => Promise<void> }> {
  const dir = await mkdtemp(join(args.dir, 'kverse-bench-redis-'));
  const port = await freePort();
  const child: ChildProcess = spawn(
    'redis-server',
    [
      ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir],
      ...['--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--logfile', join(dir, 'redis.log')],
    ],
    { stdio: 'ignore' },
  );
  const stop = async () => {
    child.kill('SIGTERM');
    if (child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve));
    await rm(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 100; i++) {
    try {
      if (
        execFileSync('redis-cli', ['-p', String(port), 'ping'], { stdio: 'pipe' })
          .toString()
          .trim() === 'PONG'
      ) {
        return { port, stop };
      }
    } catch {
      // not up yet
    }
    await sleep(100);
  }
  await stop();
  throw new Error(`redis-server did not start on port ${port}`);
}

function measureRedis(port: number, concurrency: number, expectedPerSecond: number): Result {
  // redis-benchmark runs a fixed number of requests: size it from the engine's figure to last about --seconds.
  const requests = Math.max(1000, Math.round(expectedPerSecond * seconds));
  const csv = execFileSync(
    'redis-benchmark',
    [
      ...['-p', String(port), '-t', 'set', '-d', String(valueBytes), '-c', String(concurrency)],
      ...['-n', String(requests), '-r', '10000000', '--csv'],
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 20 },
  ).toString();
  const row = csv.split('\n').find((l) => l.startsWith('"SET"'));
  const rps = Number(row?.split(',')[1]?.replaceAll('"', ''));
  if (!Number.isFinite(rps)) throw new Error(`cannot read redis-benchmark output:\n${csv}`);
  return { writesPerSecond: rps, writesPerFsync: undefined };
}

function hasRedis(): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    execFileSync('redis-benchmark', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// The disk and the two cores are shared, so their speed drifts during a run: every case is measured once per round,
// rounds interleave the systems, and the table shows each case's median.
const lastGroup = new Map<number, number>();
const cases: Array<{ system: string; concurrency: number; run: () => Promise<Result> }> = [];
for (const concurrency of CONCURRENCY) {
  cases.push({
    system: 'log engine, fsync per write',
    concurrency,
    run: () => measureEngine('per-write', concurrency),
  });
  cases.push({ system: 'log engine, group commit', concurrency, run: () => measureEngine('group', concurrency) });
}
const redis = hasRedis() ? await startRedis() : undefined;
if (redis) {
  for (const concurrency of CONCURRENCY) {
    cases.push({
      system: 'redis AOF appendfsync always',
      concurrency,
      // Sized from the group-commit figure of the previous round (or a first guess) to last about --seconds.
      run: async () => measureRedis(redis.port, concurrency, lastGroup.get(concurrency) ?? 500 * concurrency),
    });
  }
} else {
  console.log(
    'redis-server/redis-benchmark not found: apt-get install -y redis-server redis-tools (Redis rows skipped)',
  );
}
const samples = new Map<string, Result[]>();
console.log(
  `log engine bench: ${rounds} rounds × ${seconds} s per case, ${valueBytes} B values, data under ${args.dir}`,
);
try {
  for (let round = 0; round < rounds; round++) {
    for (const c of cases) {
      const r = await c.run();
      if (c.system === 'log engine, group commit') lastGroup.set(c.concurrency, r.writesPerSecond);
      const key = `${c.system}@${c.concurrency}`;
      samples.set(key, [...(samples.get(key) ?? []), r]);
    }
    console.log(`round ${round + 1}/${rounds} done`);
  }
} finally {
  await redis?.stop();
}

const results = new Map<string, Result>();
const rows: Row[] = cases.map((c) => {
  const key = `${c.system}@${c.concurrency}`;
  const runs = samples.get(key) ?? [];
  const fsyncs = runs.flatMap((r) => (r.writesPerFsync === undefined ? [] : [r.writesPerFsync]));
  const r = {
    writesPerSecond: median(runs.map((x) => x.writesPerSecond)),
    writesPerFsync: fsyncs.length ? median(fsyncs) : undefined,
  };
  results.set(key, r);
  return {
    system: c.system,
    concurrency: c.concurrency,
    'writes/s (median)': r.writesPerSecond,
    'writes/fsync': r.writesPerFsync ?? 'n/a',
    'per round': runs.map((x) => Math.round(x.writesPerSecond)).join(' / '),
  };
});

printTable('Writes (each acknowledged only once durable)', rows);
console.log('');
const perSecond = (key: string) => results.get(key)?.writesPerSecond ?? Number.NaN;
let ok = printRatio(
  'group commit vs fsync-per-write, c=64',
  perSecond('log engine, group commit@64') / perSecond('log engine, fsync per write@64'),
  10,
);
for (const c of CONCURRENCY) {
  if (!results.has(`redis AOF appendfsync always@${c}`)) continue;
  ok =
    printRatio(
      `group commit vs Redis AOF always, c=${c}`,
      perSecond(`log engine, group commit@${c}`) / perSecond(`redis AOF appendfsync always@${c}`),
      1,
    ) && ok;
}
process.exitCode = ok ? 0 : 1;
