import { type KvEngine, KvError, type Write } from '@kverse/kv-core';
import type { SubmitResult, WritePath, WritePathHealth } from './write-path.js';

interface Pending {
  readonly write: Write;
  readonly resolve: (result: SubmitResult) => void;
  readonly reject: (err: unknown) => void;
}

export interface LocalWritePathOptions {
  /** Largest batch handed to the engine at once. @default 512 */
  readonly maxBatch?: number;
}

/**
 * The embedded write path: an in-process queue drained by one applier into the engine. Writes that arrive while a
 * batch is being applied form the next batch, so with the log engine concurrent writers share one fsync. A submit
 * resolves only after its batch is durable in the engine — the engine's write-ahead log is this queue's durability.
 */
export class LocalWritePath implements WritePath {
  private queue: Pending[] = [];
  private draining: Promise<void> | undefined;
  private closed = false;
  private readonly maxBatch: number;

  constructor(
    private readonly engine: KvEngine,
    options: LocalWritePathOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 512;
  }

  submit(write: Write): Promise<SubmitResult> {
    if (this.closed) {
      return Promise.reject(
        new KvError('KV_ERR_SHUTTING_DOWN', 'the server is shutting down', { retryAfterSeconds: 1 }),
      );
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ write, resolve, reject });
      this.draining ??= this.drain();
    });
  }

  health(): WritePathHealth {
    return this.closed ? { ok: false, detail: 'closed' } : { ok: true };
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.draining;
  }

  private async drain(): Promise<void> {
    // Wait for the rest of this event-loop turn, so writes arriving in the same round of I/O callbacks (many
    // connections' requests read together) join the first batch and share its fsync.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.queue.length > 0) {
      const batch = this.queue.length <= this.maxBatch ? this.queue : this.queue.slice(0, this.maxBatch);
      this.queue = this.queue.length <= this.maxBatch ? [] : this.queue.slice(this.maxBatch);
      try {
        const outcomes = await this.engine.apply(batch.map((p) => p.write));
        for (const [i, p] of batch.entries()) p.resolve({ outcome: outcomes[i] ?? 'superseded' });
      } catch (err) {
        for (const p of batch) p.reject(err);
      }
    }
    this.draining = undefined;
  }
}
