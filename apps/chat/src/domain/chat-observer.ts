import type { ChatRecord } from './chat-events.js';

/**
 * What the hub reports about itself, so telemetry (Prometheus, OpenTelemetry) stays outside the domain.
 * Methods are called on hot paths: implementations must be cheap and must not throw.
 */
export interface ChatObserver {
  connectionOpened(): void;
  /** `reason`: `client` (went away), `slow_consumer`, `shutdown`. */
  connectionClosed(reason: string): void;
  /** An envelope was refused with a KV_ERR_* code. */
  envelopeRejected(code: string): void;
  /** Wraps appending one message to its room (one trace span per message). */
  traceAppend<T>(room: string, bytes: number, append: () => Promise<T>): Promise<T>;
  /** Consecutive messages of one room (one event) reached `recipients` connections on this replica. */
  delivered(room: string, records: readonly ChatRecord[], recipients: number): void;
}

/** Reports nothing. */
export const NOOP_OBSERVER: ChatObserver = {
  connectionOpened() {},
  connectionClosed() {},
  envelopeRejected() {},
  traceAppend: (_room, _bytes, append) => append(),
  delivered() {},
};
