import { KvError } from '@kverse/kv-core';

/** SQLSTATEs that mean "run the transaction again": serialization failure, deadlock (PostgreSQL). */
const RETRYABLE = new Set(['40001', '40P01']);

/** Classes of SQLSTATE / socket errors that mean the database cannot be reached right now. */
function isUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : '';
  // Class 08 is the connection's, except 08P01 (protocol violation): the server refused what was sent (a message over
  // CockroachDB's size limit, say), which sending the same again cannot mend.
  if ((code.startsWith('08') && code !== '08P01') || code === '57P01' || code === '57P02' || code === '57P03') {
    return true;
  }
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH'].includes(code)) return true;
  const message = typeof e?.message === 'string' ? e.message : '';
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(
    message,
  );
}

export interface RetryOptions {
  /** Attempts in total for serialization failures. @default 10 */
  readonly attempts?: number;
  /** First backoff, doubled per attempt, with full jitter. @default 5 */
  readonly baseDelayMs?: number;
  /** Longest backoff. @default 500 */
  readonly maxDelayMs?: number;
}

/**
 * Runs `body` (one whole transaction), retrying SQLSTATE 40001/40P01 with exponential backoff and full jitter, as
 * CockroachDB and PostgreSQL at SERIALIZABLE require of clients. A database that cannot be reached becomes
 * KV_ERR_UNAVAILABLE (retryable by the caller); other errors pass through.
 */
export async function withRetry<T>(body: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 10;
  const base = options.baseDelayMs ?? 5;
  const max = options.maxDelayMs ?? 500;
  for (let attempt = 1; ; attempt++) {
    try {
      return await body();
    } catch (err) {
      const code = (err as { code?: unknown })?.code;
      if (typeof code === 'string' && RETRYABLE.has(code) && attempt < attempts) {
        const cap = Math.min(max, base * 2 ** (attempt - 1));
        await new Promise((resolve) => setTimeout(resolve, Math.random() * cap));
        continue;
      }
      if (isUnavailable(err)) {
        throw new KvError('KV_ERR_UNAVAILABLE', 'the database is unavailable', { retryAfterSeconds: 1, cause: err });
      }
      throw err;
    }
  }
}
