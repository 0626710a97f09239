import { Command, InvalidArgumentError, Option } from 'commander';
import type { ConnectOptions } from './kv-client.js';
import { KvClient } from './kv-client.js';
import { type CommandIo, processIo } from './output.js';
import { populate } from './populate.js';
import { watchLoop } from './watch-loop.js';

interface GlobalOptions {
  addr: string;
  token?: string;
  tls?: boolean;
  ca?: string;
  timeout: number;
}

/**
 * `kv put|get|delete|ls|watch|populate`: a friendly client of the gRPC KV server, meant to be mounted under the
 * top-level `kverse` command (`program.addCommand(buildKvCommand())`). Results go to stdout, one line each;
 * progress and diagnostics to stderr; a failed call exits non-zero with the server's message.
 */
export function buildKvCommand(io: CommandIo = processIo): Command {
  const kv = new Command('kv')
    .description('read, write and watch keys over the gRPC KV API (kvstore.KvStore)')
    .addOption(
      new Option('--addr <host:port>', 'gRPC KV server address').env('KVERSE_GRPC_ADDR').default('localhost:50051'),
    )
    .addOption(new Option('--token <token>', 'bearer token (when the server requires one)').env('KVERSE_TOKEN'))
    .option('--tls', 'connect with TLS (system roots unless --ca)')
    .option('--ca <file>', 'PEM CA certificate to trust (implies --tls)')
    .addOption(new Option('--timeout <ms>', 'deadline of each call').default(10_000).argParser(positiveInt))
    .showHelpAfterError();

  // Every subcommand runs with a client built from the parent's options, closed afterwards.
  const withClient =
    <A extends unknown[]>(run: (client: KvClient, ...args: A) => Promise<void>) =>
    async (...args: A) => {
      const client = new KvClient(connectOptions(kv.opts<GlobalOptions>()));
      try {
        await run(client, ...args);
      } finally {
        client.close();
      }
    };

  kv.command('put')
    .description('set a key to a value')
    .argument('<key>')
    .argument('<value>')
    .option('--wait', 'answer once the write is applied (read-your-writes)')
    .action(
      withClient(async (client, key: string, value: string, opts: { wait?: boolean }) => {
        const res = await client.put(key, value, opts.wait ?? false);
        io.out.write(`OK version=${res.version}${res.applied ? ' applied' : ''}\n`);
      }),
    );

  kv.command('get')
    .description("print a key's value")
    .argument('<key>')
    .option('-v, --version', 'also print the version')
    .action(
      withClient(async (client, key: string, opts: { version?: boolean }) => {
        const res = await client.get(key);
        io.out.write(opts.version ? `${res.value}\tversion=${res.version}\n` : `${res.value}\n`);
      }),
    );

  kv.command('delete')
    .alias('rm')
    .description('delete a key')
    .argument('<key>')
    .action(
      withClient(async (client, key: string) => {
        const res = await client.delete(key);
        io.out.write(`OK version=${res.version}\n`);
      }),
    );

  kv.command('ls')
    .description('list keys and values (tab-separated), in key order')
    .argument('[prefix]', 'only keys starting with this', '')
    .addOption(new Option('--limit <n>', 'at most this many keys (0: all)').default(0).argParser(nonNegativeInt))
    .option('--keys-only', 'print keys only')
    .action(
      withClient(async (client, prefix: string, opts: { limit: number; keysOnly?: boolean }) => {
        const res = await client.list(prefix, opts.limit);
        for (const pair of res.pairs) io.out.write(opts.keysOnly ? `${pair.key}\n` : `${pair.key}\t${pair.value}\n`);
      }),
    );

  kv.command('watch')
    .description('print changes to a key (or a prefix) as they happen; reconnects and resumes after failures')
    .argument('<key>')
    .option('-p, --prefix', 'watch every key starting with <key>')
    .option('--from-version <version>', 'first replay retained changes after this version')
    .addOption(new Option('--count <n>', 'exit after this many events').argParser(positiveInt))
    .action(
      withClient(async (client, key: string, opts: { prefix?: boolean; fromVersion?: string; count?: number }) => {
        const abort = new AbortController();
        const stop = () => abort.abort();
        process.once('SIGINT', stop);
        try {
          await watchLoop(
            client,
            {
              key,
              prefix: opts.prefix ?? false,
              ...(opts.fromVersion === undefined ? {} : { fromVersion: opts.fromVersion }),
              ...(opts.count === undefined ? {} : { count: opts.count }),
              signal: abort.signal,
            },
            io,
          );
        } finally {
          process.off('SIGINT', stop);
        }
      }),
    );

  kv.command('populate')
    .description('load the sample data, plus generated keys, with a progress bar and a rate summary')
    .addOption(new Option('--count <n>', 'generated keys to write').default(1000).argParser(nonNegativeInt))
    .option('--prefix <prefix>', 'prefix of generated keys', 'populate:')
    .addOption(new Option('--value-size <bytes>', 'size of each generated value').default(64).argParser(nonNegativeInt))
    .addOption(new Option('--concurrency <n>', 'writes in flight').default(32).argParser(positiveInt))
    .action(
      withClient(async (client, opts: { count: number; prefix: string; valueSize: number; concurrency: number }) => {
        await populate(client, opts, io);
      }),
    );

  return kv;
}

/** Connection settings from the `kv` options. */
export function connectOptions(opts: GlobalOptions): ConnectOptions {
  return {
    address: opts.addr,
    timeoutMs: opts.timeout,
    ...(opts.token ? { token: opts.token } : {}),
    ...(opts.tls || opts.ca ? { tls: true } : {}),
    ...(opts.ca ? { caFile: opts.ca } : {}),
  };
}

function positiveInt(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

function nonNegativeInt(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('must be a non-negative integer');
  return n;
}
