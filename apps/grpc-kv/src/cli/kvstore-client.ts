#!/usr/bin/env node
import { runSeedClient } from './seed-client-command.js';

// The `kvstore-client` binary: the seed's Go client flags, e.g. `kvstore-client -flag=put -key=test -value=hello`.
try {
  await runSeedClient(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`kvstore-client: ${(err as Error).message}\n`);
  process.exitCode = 1;
}
