import { Command, Option } from 'commander';
import { KvClient } from './kv-client.js';
import { type CommandIo, processIo } from './output.js';
import { populate } from './populate.js';
import { goFlagsToCommander } from './seed-flags.js';
import { watchLoop } from './watch-loop.js';

const ACTIONS = ['put', 'get', 'delete', 'all', 'populate', 'watch'] as const;
type Action = (typeof ACTIONS)[number];

interface SeedOptions {
  flag: Action;
  key: string;
  value: string;
  addr: string;
  token?: string;
}

/** Long flag names of the seed's Go client (plus `token`), accepted with one dash or two. */
export const SEED_FLAG_NAMES: ReadonlySet<string> = new Set(['flag', 'key', 'value', 'addr', 'token', 'help']);

/**
 * `kvstore-client`: the seed's Go client, flag for flag (`-flag=put|get|delete|all|populate|watch`, `-key`, `-value`,
 * `-addr`, with one dash or two, the same defaults), on the gRPC KV API.
 */
export function buildSeedClientCommand(io: CommandIo = processIo): Command {
  const program = new Command('kvstore-client')
    .description('seed-compatible client of the gRPC KV server (kvstore.KvStore)')
    .addOption(new Option('--flag <action>', 'what to do').choices(ACTIONS).default('get'))
    .option('--key <key>', 'the key', 'pedra')
    .option('--value <value>', 'the value (put)', 'dV')
    .option('--addr <host:port>', 'the address to connect to', 'localhost:50051')
    .addOption(new Option('--token <token>', 'bearer token').env('KVERSE_TOKEN'))
    .showHelpAfterError()
    .action(async (opts: SeedOptions) => {
      const client = new KvClient({ address: opts.addr, ...(opts.token ? { token: opts.token } : {}) });
      try {
        await run(client, opts, io);
      } finally {
        client.close();
      }
    });
  return program;
}

/** Parses Go-style argv (without the node and script entries) and runs the client. */
export async function runSeedClient(args: readonly string[], io: CommandIo = processIo): Promise<void> {
  await buildSeedClientCommand(io).parseAsync(goFlagsToCommander(args, SEED_FLAG_NAMES), { from: 'user' });
}

async function run(client: KvClient, opts: SeedOptions, io: CommandIo): Promise<void> {
  switch (opts.flag) {
    case 'put': {
      const res = await client.put(opts.key, opts.value);
      io.out.write(`success to put: ${res.success} (key ${opts.key}, version ${res.version})\n`);
      return;
    }
    case 'get': {
      const res = await client.get(opts.key);
      io.out.write(`GOT: value ${res.value}, for key ${res.key}\n`);
      return;
    }
    case 'delete': {
      const res = await client.delete(opts.key);
      io.out.write(`success to delete: ${res.success} (key ${opts.key})\n`);
      return;
    }
    case 'all': {
      const res = await client.list();
      for (const pair of res.pairs) io.out.write(`${pair.key}: ${pair.value}\n`);
      io.out.write(`${res.pairs.length} keys\n`);
      return;
    }
    case 'populate':
      await populate(client, { count: 0, prefix: '', valueSize: 0, concurrency: 8 }, io);
      return;
    case 'watch': {
      io.err.write(`watching ${opts.key} (Ctrl+C to stop)\n`);
      const abort = new AbortController();
      const stop = () => abort.abort();
      process.once('SIGINT', stop);
      try {
        await watchLoop(client, { key: opts.key, prefix: false, signal: abort.signal }, io);
      } finally {
        process.off('SIGINT', stop);
      }
      return;
    }
  }
}
