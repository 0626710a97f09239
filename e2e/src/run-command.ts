import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root (every path the suite uses is relative to it). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A program and its arguments, kept apart so nothing goes through a shell. */
export interface Command {
  readonly program: string;
  readonly args: readonly string[];
}

export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly timeoutMs?: number;
}

/** Runs a command to completion; rejects with its stderr (not just the exit code) when it fails. */
export function run(command: Command, options: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command.program,
      command.args,
      {
        cwd: options.cwd ?? REPO_ROOT,
        env: options.env ?? process.env,
        timeout: options.timeoutMs ?? 300_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const detail = stderr.trim() || stdout.trim() || err.message;
        reject(new Error(`${commandLine(command)} failed: ${detail}`));
      },
    );
  });
}

/** The command as a user would type it, for messages and docs. */
export function commandLine(command: Command): string {
  return [command.program, ...command.args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a}'`)).join(' ');
}

/** Resolves once `check` is true; rejects after `timeoutMs` with what `explain` says about the last state. */
export async function eventually(
  check: () => Promise<boolean>,
  explain: () => Promise<string> | string,
  timeoutMs = 30_000,
  intervalMs = 200,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let failure: unknown;
    try {
      if (await check()) return;
    } catch (err) {
      failure = err;
    }
    if (Date.now() > deadline) {
      const why = failure instanceof Error ? ` (last error: ${failure.message})` : '';
      throw new Error(`not reached within ${timeoutMs} ms: ${await explain()}${why}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
