import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const dist = new URL('../../dist/index.js', import.meta.url);

// A process whose standard output is gone (its parent died, `| head` exited) must still shut down on SIGTERM. The
// last log lines are written asynchronously and flushed synchronously at exit; a flush that retried a broken pipe
// forever kept such processes alive (and holding their queue consumers) until SIGKILL.
const child = `
  import { createLogger, Shutdown } from ${JSON.stringify(dist.href)};
  const logger = createLogger({ name: 'stdout-gone', level: 'info' });
  new Shutdown({ logger }).listen();
  process.stdin.resume().once('end', () => process.kill(process.pid, 'SIGTERM'));
  setInterval(() => logger.info('tick'), 1000);
  process.stderr.write('ready\\n');
`;

describe('shutdown with standard output gone', () => {
  it('exits 0 on SIGTERM after the reader of its stdout went away', async () => {
    if (!existsSync(dist)) throw new Error(`${dist.pathname} is missing: build first (npx tsc -b)`);
    const proc = spawn(process.execPath, ['--input-type=module', '-e', child], { stdio: ['pipe', 'pipe', 'pipe'] });
    await new Promise((resolve) => proc.stderr.once('data', resolve));
    // Close the read end of its stdout, then ask it to stop: the shutdown's log lines meet a broken pipe.
    proc.stdout.destroy();
    await new Promise((r) => setTimeout(r, 100));
    proc.stdin.end();
    const exited = await Promise.race([
      new Promise<{ code: number | null }>((resolve) => proc.once('exit', (code) => resolve({ code }))),
      new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 10_000)),
    ]);
    if (exited === 'hung') proc.kill('SIGKILL');
    expect(exited).toEqual({ code: 0 });
  });
});
