import type { Logger } from '@kverse/runtime';

/**
 * Runs `task` every `intervalMs`, one run at a time (the next is scheduled when the last settles), off the event
 * loop's keep-alive, skipping the runs that come while `active()` says no. A failed run is logged as `what failed`
 * and the schedule goes on.
 */
export class Periodic {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly intervalMs: number,
    private readonly task: () => Promise<unknown>,
    private readonly logger: Logger,
    private readonly what: string,
    private readonly active: () => boolean = () => true,
  ) {}

  start(): this {
    this.schedule();
    return this;
  }

  /** Stops scheduling and waits for a run in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = (this.active() ? this.task() : Promise.resolve())
        .then(() => undefined)
        .catch((err: unknown) => this.logger.warn({ err: (err as Error).message }, `${this.what} failed`))
        .finally(() => {
          this.running = undefined;
          this.schedule();
        });
    }, this.intervalMs);
    this.timer.unref();
  }
}
