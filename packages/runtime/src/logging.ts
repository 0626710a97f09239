import { type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger };

export interface LoggingOptions {
  /** pino level: trace, debug, info, warn, error, fatal, silent. */
  readonly level: string;
  /** Component name put on every line (`api`, `consumer`, …). */
  readonly name: string;
  /** Where lines go. @default stdout */
  readonly destination?: pino.DestinationStream;
  /**
   * Censor secrets in well-known fields. Only a logger whose lines are built from fixed fields that never hold one
   * (the audit log) turns it off, for speed: redaction doubles the cost of a line. @default true
   */
  readonly redact?: boolean;
}

/** Longest time a line is kept before it is written. */
const KEEP_MS = 10;
/** Bytes of lines that are written at once, however recent. */
const KEEP_BYTES = 16 * 1024;
let sharedStdout: pino.DestinationStream | undefined;

/**
 * Standard output for lines logged on every request (the audit log): lines are kept for up to 10 ms (or until 16 KiB
 * are waiting) and leave together in one synchronous write. Under load that is about a hundred writes a second
 * instead of one per line — a write to a pipe or a file costs several times what building the line does — or one
 * per event-loop turn through libuv's thread pool, whose hand-off and wake-up cost as much again. A full pipe makes
 * the write wait (sonic-boom retries it) rather than drop lines. What is kept is written when the process exits
 * normally; a SIGKILL can lose the last 10 ms of lines. If standard output is gone (EPIPE), pino's destination drops
 * lines from then on. One buffer per process, shared by every caller.
 */
export function bufferedStdout(): pino.DestinationStream {
  if (sharedStdout) return sharedStdout;
  const out = pino.destination({ dest: 1, sync: true });
  let kept = '';
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (kept.length === 0) return;
    const lines = kept;
    kept = '';
    out.write(lines);
  };
  process.once('exit', flush);
  sharedStdout = {
    write(line: string) {
      kept += line;
      if (kept.length >= KEEP_BYTES) flush();
      else if (!timer) timer = setTimeout(flush, KEEP_MS).unref();
    },
  };
  return sharedStdout;
}

/** Structured JSON logs; secrets in well-known fields are redacted. */
export function createLogger(options: LoggingOptions): Logger {
  const config: LoggerOptions = {
    name: options.name,
    level: options.level,
    base: { pid: process.pid },
    ...(options.redact === false
      ? {}
      : {
          redact: {
            paths: ['req.headers.authorization', 'password', 'token', '*.password', '*.token'],
            censor: '[redacted]',
          },
        }),
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return options.destination ? pino(config, options.destination) : pino(config);
}
