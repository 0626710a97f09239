import type { Logger } from 'pino';

type CloseFn = () => Promise<void> | void;

export interface ShutdownOptions {
  readonly logger: Logger;
  /** Longest time the whole shutdown may take before the process exits anyway. @default 25000 */
  readonly timeoutMs?: number;
  /** How to end the process. @default process.exit */
  readonly exit?: (code: number) => void;
}

/**
 * Graceful shutdown: on SIGTERM or SIGINT, closes what was registered in reverse order (stop accepting, drain,
 * flush), then exits. A second signal, or the timeout, exits at once with a non-zero code.
 */
export class Shutdown {
  private readonly steps: Array<{ name: string; close: CloseFn }> = [];
  private running: Promise<void> | undefined;
  private readonly logger: Logger;
  private readonly timeoutMs: number;
  private readonly exit: (code: number) => void;

  constructor(options: ShutdownOptions) {
    this.logger = options.logger;
    this.timeoutMs = options.timeoutMs ?? 25_000;
    this.exit = options.exit ?? ((code) => process.exit(code));
  }

  /** Registers a step; steps run last-registered first, so register in start-up order. */
  add(name: string, close: CloseFn): this {
    this.steps.push({ name, close });
    return this;
  }

  /** Installs the signal handlers. */
  listen(): this {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.on(signal, () => {
        if (this.running) {
          this.logger.warn({ signal }, 'second signal during shutdown; exiting now');
          this.exit(130);
          return;
        }
        void this.run(signal).then(() => this.exit(0));
      });
    }
    return this;
  }

  /** Runs every step once; later calls return the same promise. */
  run(reason: string): Promise<void> {
    this.running ??= this.runSteps(reason);
    return this.running;
  }

  private async runSteps(reason: string): Promise<void> {
    this.logger.info({ reason }, 'shutting down');
    const timer = setTimeout(() => {
      this.logger.error({ timeoutMs: this.timeoutMs }, 'shutdown timed out; exiting');
      this.exit(1);
    }, this.timeoutMs);
    timer.unref();
    for (const step of [...this.steps].reverse()) {
      try {
        await step.close();
        this.logger.debug({ step: step.name }, 'closed');
      } catch (err) {
        this.logger.error({ err, step: step.name }, 'shutdown step failed');
      }
    }
    clearTimeout(timer);
    this.logger.info('shutdown complete');
  }
}
