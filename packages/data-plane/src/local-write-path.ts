import { type KvEngine, KvError, mutationsOf, type Write } from '@kverse/kv-core';
import { batchLength } from '@kverse/runtime';
import type { SubmitResult, WritePath, WritePathHealth } from './write-path.js';

interface Pending {
  readonly write: Write;
  readonly resolve: (result: SubmitResult) => void;
  readonly reject: (err: unknown) => void;
}

export interface LocalWritePathOptions {
  /** Most writes handed to the engine at once. @default 512 */
  readonly maxBatch?: number;
  /**
   * Most key and value characters handed to the engine at once (a batch always takes one write, whatever its size):
   * the log engine writes a batch as one record, which must stay far below the largest record it can read back.
   * @default 16 MiB
   */
  readonly maxBatchChars?: number;
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
  private readonly maxBatchChars: number;

  constructor(
    private readonly engine: KvEngine,
    options: LocalWritePathOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 512;
    this.maxBatchChars = options.maxBatchChars ?? 16 * 1024 * 1024;
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
      const n = this.nextBatchLength();
      const batch = this.queue.length === n ? this.queue : this.queue.slice(0, n);
      this.queue = this.queue.length === n ? [] : this.queue.slice(n);
      try {
        const outcomes = await this.engine.apply(batch.map((p) => p.write));
        for (const [i, p] of batch.entries()) p.resolve({ outcome: outcomes[i] ?? 'superseded' });
      } catch (err) {
        for (const p of batch) p.reject(err);
      }
    }
    this.draining = undefined;
  }

  /** How many queued writes the next batch takes: at most `maxBatch`, and `maxBatchChars` (at least one). */
  private nextBatchLength(): number {
    return batchLength(this.queue, this.maxBatch, this.maxBatchChars, ({ write }) => {
      let chars = 0;
      for (const m of mutationsOf(write)) chars += m.key.length + (m.op === 'put' ? m.value.length : 0);
      return chars;
    });
  }
}
