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

/** Structured JSON logs; secrets in well-known fields are redacted. */
/**
 * Standard output written asynchronously: lines logged in one event-loop turn leave in one write, off the request
 * path. What is still buffered is flushed when the process exits normally; a SIGKILL can lose the last turn's lines.
 */
export function bufferedStdout(): pino.DestinationStream {
  return pino.destination({ dest: 1, sync: false });
}

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
