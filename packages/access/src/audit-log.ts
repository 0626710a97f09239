import { bufferedStdout, createLogger, type Logger, type LoggingOptions } from '@kverse/runtime';

/**
 * What became of a write: `accepted` (durably queued, 202), `applied` (visible to reads, 200), `refused` (by access
 * control, before anything was written) or `failed` (an error answered; the `code` says which).
 */
export type AuditOutcome = 'accepted' | 'applied' | 'refused' | 'failed';

export interface AuditEntry {
  /** The token id, or `anonymous` when auth is off. */
  readonly tokenId: string;
  readonly op: 'put' | 'delete' | 'txn';
  /** The keys written, when known (a refused request's body is never read). */
  readonly keys: readonly string[];
  /** The version the write got, when it got one. */
  readonly version?: string;
  readonly outcome: AuditOutcome;
  /** The `KV_ERR_*` code of a refused or failed write. */
  readonly code?: string;
  /** The front door: `rest` or `grpc`. */
  readonly via: 'rest' | 'grpc';
  /** Client address. */
  readonly address?: string;
  /** REST request id (`x-request-id`), to join with the request log. */
  readonly requestId?: string;
}

/**
 * The audit log: one JSON line per write, on its own logger (`"name":"audit"`) at level info whatever `LOG_LEVEL`
 * says, so turning request logging down never loses audit lines. The format is documented in docs/auth.md.
 */
export class AuditLog {
  constructor(private readonly logger: Logger) {}

  record(entry: AuditEntry): void {
    this.logger.info(entry, `write ${entry.outcome}`);
  }
}

/**
 * An audit log writing to `destination`, by default standard output in batches: lines are kept for up to 10 ms and
 * leave together in one write instead of one write per request (see {@link bufferedStdout}).
 */
export function createAuditLog(destination: LoggingOptions['destination'] = bufferedStdout()): AuditLog {
  // Entries are built from fixed fields, none of which can hold a token, so the redaction pass is not needed.
  return new AuditLog(createLogger({ name: 'audit', level: 'info', redact: false, destination }));
}
