#!/usr/bin/env node
import { ConfigError } from '@kverse/runtime';
import { Command } from 'commander';
import { configTableMarkdown } from './commands/config.js';
import { startPlatform } from './commands/start.js';

const program = new Command()
  .name('kverse')
  .description('KVerse: a Kubernetes-native key-value platform')
  .showHelpAfterError();

program
  .command('start')
  .description('run the whole platform in this process on the embedded defaults (configure with environment variables)')
  .action(async () => {
    try {
      const platform = await startPlatform(process.env);
      platform.shutdown.listen();
      const width = Math.max(...Object.keys(platform.endpoints).map((k) => k.length));
      process.stderr.write('\nKVerse is running:\n');
      for (const [name, url] of Object.entries(platform.endpoints)) {
        process.stderr.write(`  ${name.padEnd(width)}  ${url}\n`);
      }
      process.stderr.write('Press Ctrl+C to stop.\n\n');
    } catch (err) {
      if (err instanceof ConfigError) {
        process.stderr.write(`${err.message}\n`);
        process.exit(2);
      }
      throw err;
    }
  });

program
  .command('config')
  .description('print every configuration variable with its default and meaning (Markdown)')
  .action(() => {
    process.stdout.write(`${configTableMarkdown()}\n`);
  });

await program.parseAsync(process.argv);
