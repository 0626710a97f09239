import { readFile } from 'node:fs/promises';
import { text } from 'node:stream/consumers';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { ConnectOptions } from './kv-client.js';
import { KvClient } from './kv-client.js';
import { type CommandIo, processIo } from './output.js';
import { populate } from './populate.js';
import { parseTxnDocument } from './txn-document.js';
import { watchLoop } from './watch-loop.js';

interface GlobalOptions {
  addr: string;
  token?: string;
  tls?: boolean;
  ca?: string;
  timeout: number;
}

/**
 * `kv put|get|delete|txn|ls|watch|populate`: a friendly client of the gRPC KV server, meant to be mounted under the
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
    .addOption(new Option('--ttl <seconds>', 'expire the key after this many seconds').argParser(positiveInt))
    .addOption(
      new Option('--if-version <version>', 'write only if the key is at this version (compare-and-set)')
        .argParser(version)
        .conflicts('ifAbsent'),
    )
    .option('--if-absent', 'write only if the key does not exist')
    .action(
      withClient(
        async (
          client,
          key: string,
          value: string,
          opts: { wait?: boolean; ttl?: number; ifVersion?: string; ifAbsent?: boolean },
        ) => {
          const res = await client.put(key, value, opts.wait ?? false, {
            ...(opts.ttl === undefined ? {} : { ttlSeconds: opts.ttl }),
            ...(opts.ifVersion === undefined ? {} : { ifVersion: opts.ifVersion }),
            ...(opts.ifAbsent ? { ifAbsent: true } : {}),
          });
          const expires = expiry(res.expiresAtMs);
          io.out.write(
            `OK version=${res.version}${res.applied ? ' applied' : ''}${expires ? ` expires=${expires}` : ''}\n`,
          );
        },
      ),
    );

  kv.command('get')
    .description("print a key's value; with several keys, `key<TAB>value` lines read at one consistent point")
    .argument('<keys...>')
    .option('-v, --version', 'also print the version (and the expiry of keys with a TTL)')
    .action(
      withClient(async (client, keys: string[], opts: { version?: boolean }) => {
        const suffix = (r: { version: string; expiresAtMs: string }) => {
          if (!opts.version) return '';
          const expires = expiry(r.expiresAtMs);
          return `\tversion=${r.version}${expires ? `\texpires=${expires}` : ''}`;
        };
        if (keys.length === 1) {
          const res = await client.get(keys[0]!);
          io.out.write(`${res.value}${suffix(res)}\n`);
          return;
        }
        const res = await client.getMany(keys);
        const missing: string[] = [];
        for (const e of res.entries) {
          if (e.found) io.out.write(`${e.key}\t${e.value}${suffix(e)}\n`);
          else missing.push(e.key);
        }
        if (missing.length > 0) throw new Error(`not found: ${missing.join(', ')}`);
      }),
    );

  kv.command('delete')
    .alias('rm')
    .description('delete a key')
    .argument('<key>')
    .addOption(new Option('--if-version <version>', 'delete only if the key is at this version').argParser(version))
    .action(
      withClient(async (client, key: string, opts: { ifVersion?: string }) => {
        const res = await client.delete(key, opts.ifVersion);
        io.out.write(`OK version=${res.version}${res.applied ? ' applied' : ''}\n`);
      }),
    );

  kv.command('txn')
    .description(
      'apply a transaction read as JSON from a file or stdin: {"compares":[{"key","version"|"absent":true}],' +
        ' "ops":[{"put":{"key","value","ttlSeconds"}}|{"delete":{"key"}}]} (docs/grpc-kv.md)',
    )
    .argument('[file]', 'the transaction document; - or none reads stdin')
    .action(
      withClient(async (client, file: string | undefined) => {
        const source = file === undefined || file === '-' ? text(io.in ?? process.stdin) : readFile(file, 'utf8');
        const res = await client.txn(parseTxnDocument(await source));
        io.out.write(`OK version=${res.version}${res.applied ? ' applied' : ''}\n`);
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

/** An `expires_at_ms` as an ISO time; undefined for 0 (never expires). */
function expiry(expiresAtMs: string): string | undefined {
  return expiresAtMs === '0' ? undefined : new Date(Number(expiresAtMs)).toISOString();
}

function version(text: string): string {
  if (!/^[0-9]{1,19}$/.test(text)) throw new InvalidArgumentError('must be a version (a decimal number)');
  return text;
}

function nonNegativeInt(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('must be a non-negative integer');
  return n;
}
