import { createToken, type Scope } from '@kverse/access';
import { Command, Option } from 'commander';

interface Io {
  readonly out: NodeJS.WritableStream;
  readonly err: NodeJS.WritableStream;
}

/**
 * `kverse token create --id NAME --scope read|write`: a new random token for the client, and the `id:scope:sha256hex`
 * entry the server needs (in KVERSE_AUTH_TOKENS or the tokens Secret). The server keeps only the hash, so the token
 * is shown once, here.
 */
export function buildTokenCommand(io: Io = { out: process.stdout, err: process.stderr }): Command {
  const token = new Command('token').description('bearer tokens for the REST and gRPC front doors (docs/auth.md)');
  token
    .command('create')
    .description('print a new token and the id:scope:sha256hex entry that lets the server accept it')
    .requiredOption('--id <name>', 'name of the token in audit lines (1–64 of A-Z a-z 0-9 . _ -)')
    .addOption(new Option('--scope <scope>', 'what the token may do').choices(['read', 'write']).makeOptionMandatory())
    .option('--json', 'print {"id","scope","token","entry"} as one JSON line')
    .action((opts: { id: string; scope: Scope; json?: boolean }) => {
      const created = createToken(opts.id, opts.scope);
      if (opts.json) {
        io.out.write(`${JSON.stringify({ id: opts.id, scope: opts.scope, ...created })}\n`);
        return;
      }
      io.out.write(`token: ${created.token}\nentry: ${created.entry}\n`);
      io.err.write(
        'Give the token to the client (--token or KVERSE_TOKEN); it is not stored anywhere and is shown only once.\n' +
          'Add the entry to the server: a line of the tokens Secret (KVERSE_AUTH_TOKENS_FILE) or KVERSE_AUTH_TOKENS.\n',
      );
    });
  return token;
}
