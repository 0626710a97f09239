import type { ApplyOutcome, Write } from '@kverse/kv-core';

/** What a write path promises once `submit` resolves. */
export interface SubmitResult {
  /**
   * The write's outcome when it has already been applied (the embedded path applies before it answers); undefined
   * when it is durably queued and will be applied later (RabbitMQ path), its outcome arriving on the change stream.
   */
  readonly outcome?: ApplyOutcome;
}

/**
 * Carries versioned writes from a front door to the engine. When `submit` resolves the write survives the crash of
 * any one process; when it rejects (with a KvError such as KV_ERR_UNAVAILABLE) the write must be reported as failed.
 */
export interface WritePath {
  submit(write: Write): Promise<SubmitResult>;
  /** Whether new writes can be accepted right now (for `/ready`). */
  health(): WritePathHealth;
  /** Stops accepting, waits for what was accepted, releases resources. */
  close(): Promise<void>;
}

export interface WritePathHealth {
  readonly ok: boolean;
  readonly detail?: string;
}
