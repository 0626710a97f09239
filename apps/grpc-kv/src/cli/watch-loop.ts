import { type Metadata, type ServiceError, status } from '@grpc/grpc-js';
import type { WatchResponse__Output } from '../generated/kvstore/WatchResponse.js';
import { RESUME_VERSION_TRAILER, START_VERSION_HEADER } from '../grpc/grpc-status.js';
import type { KvClient } from './kv-client.js';
import type { CommandIo } from './output.js';

export interface WatchLoopOptions {
  readonly key: string;
  readonly prefix: boolean;
  /** Start by replaying retained changes after this version. */
  readonly fromVersion?: string;
  /** Stop after this many events (scripts, tests); undefined runs until `signal` aborts. */
  readonly count?: number;
  readonly signal?: AbortSignal;
  /** Print each event as this. @default the event's human-readable `message` line */
  readonly format?: (event: WatchResponse__Output) => string;
  /** First reconnect delay; doubles up to 5 s. @default 200 */
  readonly retryMs?: number;
}

/** Errors after which reconnecting can succeed (the server restarts, or this watcher was too slow). */
const RETRYABLE = new Set<number>([status.UNAVAILABLE, status.RESOURCE_EXHAUSTED, status.INTERNAL, status.UNKNOWN]);

/**
 * Prints events as they come and, when the stream breaks, reconnects resuming after the last version seen, so no
 * change is lost across a server restart or a slow-consumer cut-off. If the server no longer retains that history
 * (OUT_OF_RANGE), says so and continues with live changes. Resolves with the number of events printed.
 */
export async function watchLoop(client: KvClient, options: WatchLoopOptions, io: CommandIo): Promise<number> {
  const format = options.format ?? ((e: WatchResponse__Output) => e.message);
  let lastVersion = options.fromVersion;
  let printed = 0;
  let delay = options.retryMs ?? 200;
  while (!options.signal?.aborted && (options.count === undefined || printed < options.count)) {
    const stream = client.watch({
      key: options.key,
      prefix: options.prefix,
      ...(lastVersion === undefined ? {} : { fromVersion: lastVersion }),
    });
    const onAbort = () => stream.cancel();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const outcome = await new Promise<ServiceError | 'done'>((resolve) => {
      stream.on('metadata', (headers: Metadata) => {
        delay = options.retryMs ?? 200;
        // Where the watch starts: what to resume from if the stream breaks before any change arrives.
        const start = headers.get(START_VERSION_HEADER)[0];
        if (lastVersion === undefined && typeof start === 'string') lastVersion = start;
      });
      stream.on('data', (event: WatchResponse__Output) => {
        lastVersion = event.version;
        printed++;
        io.out.write(`${format(event)}\n`);
        if (options.count !== undefined && printed >= options.count) {
          stream.cancel();
          resolve('done');
        }
      });
      stream.on('error', (err: ServiceError) => resolve(err));
      stream.on('end', () => resolve('done'));
    });
    options.signal?.removeEventListener('abort', onAbort);
    if (outcome === 'done' || outcome.code === status.CANCELLED) break;
    if (outcome.code === status.OUT_OF_RANGE) {
      io.err.write(`watch: ${outcome.details}; continuing with live changes only\n`);
      lastVersion = undefined;
      continue;
    }
    if (!RETRYABLE.has(outcome.code)) throw outcome;
    const resume = outcome.metadata?.get(RESUME_VERSION_TRAILER)[0];
    // What this client saw is exact; the trailer only helps when nothing arrived before the cut-off.
    if (lastVersion === undefined && typeof resume === 'string') lastVersion = resume;
    io.err.write(`watch: ${outcome.details || 'stream ended'}; reconnecting in ${delay} ms\n`);
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 5_000);
  }
  return printed;
}
