#!/usr/bin/env node
import { Command } from 'commander';
import { runChatCli } from './cli/chat-cli.js';

// `kverse-chat --room lobby --user ana`: the chat command line on its own (the `kverse chat` command wraps runChatCli).
const program = new Command()
  .name('kverse-chat')
  .description('Chat in a KVerse room: each input line is a message; /who shows presence, /quit leaves.')
  .option('-s, --server <host:port>', 'chat server', 'localhost:50052')
  .requiredOption('-r, --room <room>', 'room to join')
  .requiredOption('-u, --user <name>', 'name shown to others')
  .action(async (opts: { server: string; room: string; user: string }) => {
    await runChatCli({ ...opts, input: process.stdin, output: process.stdout });
  });

await program.parseAsync(process.argv);
