#!/usr/bin/env node
import { runChatCli } from '@kverse/chat';
import { buildKvCommand } from '@kverse/grpc-kv';
import { formatLabResult, runMulticastLab } from '@kverse/multicast-node';
import { runMain } from '@kverse/runtime';
import { Command, Option } from 'commander';
import { intAtLeast } from './commands/arguments.js';
import { configTableMarkdown } from './commands/config.js';
import { buildDeadLettersCommand } from './commands/dead-letters.js';
import { startPlatform } from './commands/start.js';
import { buildTokenCommand } from './commands/token.js';

const program = new Command()
  .name('kverse')
  .description('KVerse: a Kubernetes-native key-value platform')
  .showHelpAfterError();

program
  .command('start')
  .description('run the whole platform in this process on the embedded defaults (configure with environment variables)')
  .action(() =>
    runMain(async () => {
      const platform = await startPlatform(process.env);
      platform.shutdown.listen();
      const width = Math.max(...Object.keys(platform.endpoints).map((k) => k.length));
      process.stderr.write('\nKVerse is running:\n');
      for (const [name, url] of Object.entries(platform.endpoints)) {
        process.stderr.write(`  ${name.padEnd(width)}  ${url}\n`);
      }
      for (const [name, why] of Object.entries(platform.skipped)) {
        process.stderr.write(`  (${name} not started: ${why})\n`);
      }
      process.stderr.write('Press Ctrl+C to stop.\n\n');
    }),
  );

program.addCommand(buildKvCommand());
program.addCommand(buildTokenCommand());
program.addCommand(buildDeadLettersCommand());

program
  .command('chat')
  .description('chat in a room: each input line is a message; /who shows presence, /quit leaves (works from a pipe)')
  .option('-s, --server <host:port>', 'chat server', 'localhost:50052')
  .requiredOption('-r, --room <room>', 'room to join')
  .requiredOption('-u, --user <name>', 'name shown to others')
  .action(async (opts: { server: string; room: string; user: string }) => {
    await runChatCli({ ...opts, input: process.stdin, output: process.stdout });
  });

const lab = program.command('lab').description('experiments that demonstrate how the platform behaves');
lab
  .command('multicast')
  .description('start N local multicast nodes, fire concurrent conflicting writes, print each replica digest')
  .addOption(new Option('--nodes <n>', 'nodes to start').default(3).argParser(intAtLeast(2)))
  .addOption(new Option('--writes <n>', 'rounds of conflicting writes').default(20).argParser(intAtLeast(1)))
  .addOption(new Option('--ordering <mode>', 'delivery order').choices(['none', 'total', 'both']).default('both'))
  .addOption(
    new Option('--transport <kind>', 'how datagrams travel').choices(['multicast', 'unicast']).default('multicast'),
  )
  .action(
    async (opts: {
      nodes: number;
      writes: number;
      ordering: 'none' | 'total' | 'both';
      transport: 'multicast' | 'unicast';
    }) => {
      const modes = opts.ordering === 'both' ? (['none', 'total'] as const) : [opts.ordering];
      for (const ordering of modes) {
        const result = await runMulticastLab({
          nodes: opts.nodes,
          writes: opts.writes,
          ordering,
          transport: opts.transport,
        });
        process.stdout.write(`\n${formatLabResult(result)}`);
      }
    },
  );

program
  .command('config')
  .description('print every configuration variable with its default and meaning (Markdown)')
  .action(() => {
    process.stdout.write(`${configTableMarkdown()}\n`);
  });

await program.parseAsync(process.argv);
