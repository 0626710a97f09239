import { type ChildProcess, type SpawnOptions, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = new URL('../../', import.meta.url).pathname;

/** Whether servers and load generators can be pinned to CPUs (util-linux `taskset`). */
export const hasTaskset = spawnSync('taskset', ['--version']).status === 0;

/** Spawns a server under test on CPU 0 (when taskset exists), so it never shares a core with the load generator. */
export function spawnPinned(command: string, argv: string[], options: SpawnOptions = {}): ChildProcess {
  return hasTaskset ? spawn('taskset', ['-c', '0', command, ...argv], options) : spawn(command, argv, options);
}

/** Resolves once `child` has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
}

/**
 * Moves this process (every thread: the load generators run here) to CPU 1, away from the servers on CPU 0. Left to
 * the scheduler, a generator that lands on the server's core takes CPU from it and the figures swing by a fifth.
 */
export function pinLoadGenerator(): void {
  if (hasTaskset) spawnSync('taskset', ['-a', '-pc', '1', String(process.pid)], { stdio: 'ignore' });
}

/**
 * Starts a server process pinned to CPU 0 (when taskset exists) and waits until its output has matched every
 * pattern; resolves with each pattern's first group.
 */
export async function serve<K extends string>(
  argv: string[],
  env: NodeJS.ProcessEnv,
  patterns: Record<K, RegExp>,
): Promise<{ child: ChildProcess; found: Record<K, string> }> {
  const child = spawnPinned(process.execPath, argv, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { child, found: await awaitOutput(child, patterns, argv.join(' ')) };
}

/**
 * Resolves with each pattern's first group (or its whole match, without one) once the output of `child` (stdout and stderr together) has matched every
 * pattern; rejects, with the output so far, if it exits first. Output after that is no longer collected (a server
 * that logs every request would otherwise grow the buffer for the whole run).
 */
export function awaitOutput<K extends string>(
  child: ChildProcess,
  patterns: Record<K, RegExp>,
  name = 'the process',
): Promise<Record<K, string>> {
  return new Promise((resolve, reject) => {
    let out = '';
    let started = false;
    const onData = (chunk: Buffer) => {
      if (started) return;
      out += chunk.toString();
      const found: Partial<Record<K, string>> = {};
      for (const [key, pattern] of Object.entries(patterns) as Array<[K, RegExp]>) {
        const m = pattern.exec(out);
        if (!m) return;
        found[key] = m[1] ?? m[0];
      }
      started = true;
      resolve(found as Record<K, string>);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}: ${out}`)));
  });
}

/** `kverse start` on free ports with its data in `dataDir`, and `env`; resolves once its REST API listens. */
export async function startKverse(
  dataDir: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ child: ChildProcess; restUrl: string; grpcAddress: string }> {
  const { child, found } = await serve(
    [join(root, 'cli/dist/main.js'), 'start'],
    {
      PORT: '0',
      HOST: '127.0.0.1',
      GRPC_KV_PORT: '0',
      GRPC_KV_HOST: '127.0.0.1',
      CHAT_PORT: '0',
      CHAT_METRICS_PORT: '0',
      MULTICAST_HTTP_PORT: '0',
      KVERSE_DATA_DIR: dataDir,
      ...env,
    },
    { rest: /REST API\s+(http:\/\/\S+)/, grpc: /gRPC KV \(kvstore\.KvStore\)\s+(\S+)/ },
  );
  return { child, restUrl: found.rest, grpcAddress: found.grpc };
}

/** The options of the benchmarks that run on the services (`scripts/services/*.sh` serve these defaults). */
export const serviceOptions = {
  'database-url': { type: 'string', default: 'postgres://kverse:kverse@127.0.0.1:5432/kverse' },
  'amqp-url': { type: 'string', default: 'amqp://guest:guest@127.0.0.1:5672' },
  'redis-url': { type: 'string', default: 'redis://127.0.0.1:6379' },
} as const;

/** The apps' environment for the services, from the parsed {@link serviceOptions}. */
export function servicesOf(args: { 'database-url': string; 'amqp-url': string; 'redis-url': string }) {
  return { DATABASE_URL: args['database-url'], AMQP_URL: args['amqp-url'], REDIS_URL: args['redis-url'] };
}

/**
 * Starts `apps/<app>/dist/main.js` with `env` (the services' URLs among it) — on CPU 0 with `pinned` — and resolves
 * once its output matches `pattern`, with the pattern's first group (or its match). The app is stopped when this
 * process exits, whatever the benchmark did.
 */
export async function startApp(
  app: string,
  env: Record<string, string>,
  pattern: RegExp,
  { pinned = false } = {},
): Promise<{ child: ChildProcess; ready: string }> {
  const argv = [join(root, `apps/${app}/dist/main.js`)];
  const options: SpawnOptions = {
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: 'pipe',
  };
  const child = pinned ? spawnPinned(process.execPath, argv, options) : spawn(process.execPath, argv, options);
  process.once('exit', () => child.kill('SIGTERM'));
  const { ready } = await awaitOutput(child, { ready: pattern }, app);
  return { child, ready };
}
