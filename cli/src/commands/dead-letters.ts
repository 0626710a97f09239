import { type DeadLetter, readDeadLetters, replayDeadLetters } from '@kverse/amqp-write-path';
import { primaryKeyOf } from '@kverse/kv-core';
import { Command, Option } from 'commander';
import { intAtLeast } from './arguments.js';

interface Io {
  readonly out: NodeJS.WritableStream;
  readonly err: NodeJS.WritableStream;
}

const urlOption = () =>
  new Option('--amqp-url <url>', 'RabbitMQ of the deployment')
    .env('AMQP_URL')
    .default('amqp://guest:guest@127.0.0.1:5672');

/**
 * `kverse dead-letters list|replay`: what the write consumers set aside in `kv.writes.dead` (a message that was not a
 * write, or a write delivered more than KVERSE_CONSUMER_MAX_ATTEMPTS times), and putting accepted writes back.
 */
export function buildDeadLettersCommand(io: Io = { out: process.stdout, err: process.stderr }): Command {
  const command = new Command('dead-letters').description(
    'inspect and replay the writes the consumers set aside in kv.writes.dead (docs/data-plane.md)',
  );
  command
    .command('list')
    .description('show the dead-lettered messages, oldest first, without removing them')
    .addOption(urlOption())
    .addOption(new Option('--limit <n>', 'show at most this many').default(20).argParser(intAtLeast(1)))
    .option('--json', 'one JSON object per line')
    .action((opts: { amqpUrl: string; limit: number; json?: boolean }) =>
      reporting(io, opts.amqpUrl, async () => {
        const { total, letters } = await readDeadLetters(opts.amqpUrl, opts.limit);
        for (const letter of letters) {
          io.out.write(opts.json ? `${JSON.stringify(toJson(letter))}\n` : `${line(letter)}\n`);
        }
        const shown = letters.length < total ? `, ${letters.length} shown` : '';
        io.err.write(`${total} message(s) in kv.writes.dead${shown}\n`);
      }),
    );
  command
    .command('replay')
    .description('put dead-lettered writes back on their partition queue, to be applied with their own versions')
    .addOption(urlOption())
    .addOption(
      new Option('--partitions <n>', 'KVERSE_WRITE_PARTITIONS of the deployment')
        .env('KVERSE_WRITE_PARTITIONS')
        .default(8)
        .argParser(intAtLeast(1)),
    )
    .option('--key-prefix <prefix>', 'only writes whose key starts with this')
    .addOption(new Option('--limit <n>', 'replay at most this many').argParser(intAtLeast(1)))
    .addOption(
      new Option(
        '--tombstone-retention-ms <ms>',
        'KVERSE_TOMBSTONE_RETENTION_MS of the deployment: older writes stay (a delete since may be forgotten)',
      )
        .env('KVERSE_TOMBSTONE_RETENTION_MS')
        .default(24 * 3_600_000)
        .argParser(intAtLeast(0)),
    )
    .option('--force', 'replay writes older than the tombstone retention too')
    .action(
      (opts: {
        amqpUrl: string;
        partitions: number;
        keyPrefix?: string;
        limit?: number;
        tombstoneRetentionMs: number;
        force?: boolean;
      }) =>
        reporting(io, opts.amqpUrl, async () => {
          const result = await replayDeadLetters(opts.amqpUrl, {
            partitions: opts.partitions,
            // 0 keeps tombstones for good: no write is too old then.
            maxAgeMs:
              opts.force || opts.tombstoneRetentionMs === 0 ? Number.POSITIVE_INFINITY : opts.tombstoneRetentionMs,
            ...(opts.keyPrefix === undefined ? {} : { keyPrefix: opts.keyPrefix }),
            ...(opts.limit === undefined ? {} : { limit: opts.limit }),
          });
          io.out.write(`replayed ${result.replayed} write(s); ${result.left} message(s) left in kv.writes.dead\n`);
          if (result.tooOld > 0) {
            io.err.write(
              `${result.tooOld} write(s) left: accepted longer ago than the tombstone retention, so a delete of their ` +
                'key since may be forgotten and replaying them could bring the key back; --force replays them anyway\n',
            );
          }
        }),
    );
  return command;
}

/** Runs `work`; a failure is one line on stderr and exit code 1, with the URL's password left out. */
async function reporting(io: Io, url: string, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (err) {
    const where = url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
    io.err.write(`kverse dead-letters: ${(err as Error).message} (RabbitMQ at ${where})\n`);
    process.exitCode = 1;
  }
}

function line(letter: DeadLetter): string {
  const what = letter.write
    ? `${letter.write.op} ${JSON.stringify(primaryKeyOf(letter.write))} version ${letter.write.version}`
    : `not a write (${letter.problem})`;
  return `${what} — ${letter.reason}`;
}

function toJson(letter: DeadLetter) {
  return {
    reason: letter.reason,
    ...(letter.write
      ? { op: letter.write.op, key: primaryKeyOf(letter.write), version: letter.write.version.toString() }
      : { problem: letter.problem }),
    bytes: letter.bytes,
  };
}
