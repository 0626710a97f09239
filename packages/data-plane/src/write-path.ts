import type { Mutation } from '@kverse/kv-core';

/** What a write path promises once `submit` resolves. */
export interface SubmitResult {
  /**
   * True when the mutation has already been applied to the engine (the embedded path applies before it answers);
   * false when it is durably queued and will be applied later (RabbitMQ path).
   */
  readonly applied: boolean;
}

/**
 * Carries versioned mutations from a front door to the engine. When `submit` resolves the mutation survives the crash
 * of any one process; when it rejects (with a KvError such as KV_ERR_UNAVAILABLE) the write must be reported as failed.
 */
export interface WritePath {
  submit(mutation: Mutation): Promise<SubmitResult>;
  /** Whether new writes can be accepted right now (for `/ready`). */
  health(): WritePathHealth;
  /** Stops accepting, waits for what was accepted, releases resources. */
  close(): Promise<void>;
}

export interface WritePathHealth {
  readonly ok: boolean;
  readonly detail?: string;
}
