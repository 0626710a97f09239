import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { eventually, REPO_ROOT } from '../run-command.js';

/** One app's built entry point as its container runs it (`node dist/main.js`); fails when it is not built. */
export function appMain(app: string): string {
  const main = join(REPO_ROOT, 'apps', app, 'dist/main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: build the apps first with \`npx tsc -b\``);
  return main;
}

/**
 * An app running as its own process with exactly the given environment (plus PATH), the way a container gets
 * only what its pod spec sets — so a `KVERSE_*` variable of the test run never leaks into the app's config.
 */
export class AppProcess {
  private readonly child: ChildProcess;
  private output = '';
  readonly exited: Promise<number | null>;
  private running = true;
  private stopping = false;

  constructor(
    readonly name: string,
    app: string,
    readonly env: Readonly<Record<string, string>>,
  ) {
    this.child = spawn(process.execPath, [appMain(app)], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-8000);
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code) => {
        this.running = false;
        resolve(code);
      }),
    );
  }

  get alive(): boolean {
    return this.running;
  }

  /** Whether it exited without being asked to (a crash): its output then explains why. */
  get crashed(): boolean {
    return !this.running && !this.stopping;
  }

  /** The last lines the process printed, for failure messages. */
  get log(): string {
    return this.output;
  }

  /**
   * Waits until `ready` holds (an HTTP URL answering 2xx, or a check of its own); fails at once, with the app's
   * output, if the process exits first.
   */
  async waitReady(ready: string | (() => Promise<boolean>), timeoutMs = 60_000): Promise<void> {
    const check =
      typeof ready === 'string' ? async () => (await fetch(ready, { signal: AbortSignal.timeout(2000) })).ok : ready;
    const exitedEarly = this.exited.then((code) => {
      throw new Error(`${this.name} exited (code ${code}) before it was ready; its output:\n${this.output}`);
    });
    exitedEarly.catch(() => undefined); // also rejects when the process is stopped later: not an error then
    await Promise.race([
      exitedEarly,
      eventually(
        check,
        () =>
          `${this.name} not ready (${typeof ready === 'string' ? ready : 'gRPC health'}); its output:\n${this.output}`,
        timeoutMs,
      ),
    ]);
  }

  /** SIGTERM (graceful, what Kubernetes sends first) or SIGKILL (a crash); resolves when the process is gone. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    if (!this.running) return;
    this.stopping = true;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}
