import type { Logger } from '@kverse/runtime';
import amqp, { type ChannelModel } from 'amqplib';

export interface ReconnectorOptions {
  readonly url: string;
  readonly logger: Logger;
  /** Sets up channels on a fresh connection; a failure closes the connection and retries. */
  readonly setup: (connection: ChannelModel) => Promise<void>;
  /** Called once each time an established connection is lost (before reconnecting). */
  readonly onDown?: (err: unknown) => void;
  /** Called each time a connection is set up again after one was lost (not on the first). */
  readonly onUp?: () => void;
  /** First reconnect delay, doubled per failure up to `maxDelayMs`, with full jitter. @default 100 */
  readonly baseDelayMs?: number;
  /** @default 5000 */
  readonly maxDelayMs?: number;
}

/**
 * Keeps one AMQP connection up: connects, runs `setup`, and on loss reconnects with exponential backoff and jitter
 * until `close()`. `up` says whether a set-up connection exists right now.
 */
export class Reconnector {
  private connection: ChannelModel | undefined;
  private closed = false;
  private failures = 0;
  private wasUp = false;
  private timer: NodeJS.Timeout | undefined;
  private firstUp: Promise<void>;
  private markFirstUp!: () => void;
  lastError: string | undefined;

  constructor(private readonly options: ReconnectorOptions) {
    this.firstUp = new Promise((resolve) => {
      this.markFirstUp = resolve;
    });
    void this.attempt();
  }

  get up(): boolean {
    return this.connection !== undefined;
  }

  /** Resolves once the first connection is set up, or rejects after `timeoutMs`. */
  async waitUntilUp(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`RabbitMQ not reachable within ${timeoutMs} ms: ${this.lastError ?? ''}`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([this.firstUp, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    const connection = this.connection;
    this.connection = undefined;
    await connection?.close().catch(() => undefined);
  }

  private async attempt(): Promise<void> {
    if (this.closed) return;
    let connection: ChannelModel | undefined;
    try {
      // noDelay: amqplib leaves Nagle's algorithm on by default, so a small frame (a publish, a confirm's wait, an ack)
      // written while an earlier one is unacknowledged waits for the peer's delayed ACK — stalls of 40–200 ms that
      // hit every write in flight at once.
      connection = await amqp.connect(this.options.url, { timeout: 5000, noDelay: true });
      connection.on('error', (err: Error) => {
        this.lastError = err.message;
      });
      connection.on('close', (err?: Error) => this.lost(connection, err));
      await this.options.setup(connection);
      if (this.closed) {
        await connection.close().catch(() => undefined);
        return;
      }
      this.connection = connection;
      this.failures = 0;
      this.lastError = undefined;
      this.options.logger.info('connected to RabbitMQ');
      if (this.wasUp) this.options.onUp?.();
      this.wasUp = true;
      this.markFirstUp();
    } catch (err) {
      this.lastError = (err as Error).message;
      await connection?.close().catch(() => undefined);
      this.schedule();
    }
  }

  private lost(connection: ChannelModel | undefined, err?: Error): void {
    if (this.connection !== connection) return;
    this.connection = undefined;
    this.lastError = err?.message ?? 'connection closed';
    if (this.closed) return;
    this.options.logger.warn({ err: this.lastError }, 'lost the RabbitMQ connection; reconnecting');
    this.options.onDown?.(err);
    this.schedule();
  }

  private schedule(): void {
    if (this.closed) return;
    const base = this.options.baseDelayMs ?? 100;
    const cap = Math.min(this.options.maxDelayMs ?? 5000, base * 2 ** this.failures);
    this.failures = Math.min(this.failures + 1, 16);
    this.timer = setTimeout(() => void this.attempt(), base + Math.random() * cap);
    this.timer.unref();
  }
}
