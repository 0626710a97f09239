import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';

// Standard output of real processes: a child runs the built package (`dist/`, built by `npx tsc -b`).
const dist = new URL('../../dist/index.js', import.meta.url);
const children: ChildProcessWithoutNullStreams[] = [];

function run(body: string): ChildProcessWithoutNullStreams {
  if (!existsSync(dist)) throw new Error(`${dist.pathname} is missing: build first (npx tsc -b)`);
  const script = `import { bufferedStdout, createLogger, Shutdown } from ${JSON.stringify(dist.href)};\n${body}`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  return child;
}

function exitOf(child: ChildProcessWithoutNullStreams, timeoutMs = 10_000): Promise<number | null | 'hung'> {
  return Promise.race([
    new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code))),
    new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), timeoutMs)),
  ]);
}

function lines(child: ChildProcessWithoutNullStreams): string[] {
  const seen: string[] = [];
  let partial = '';
  child.stdout.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop() ?? '';
    seen.push(...parts);
  });
  return seen;
}

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

describe('bufferedStdout', () => {
  it('writes every line in order, the ones still kept when the process exits included', async () => {
    const child = run(`
      const logger = createLogger({ name: 'audit', level: 'info', destination: bufferedStdout() });
      let n = 0;
      const burst = () => {
        for (let i = 0; i < 100; i++) logger.info({ n: n++ }, 'line');
        if (n < 5000) setImmediate(burst);
        else process.exit(0); // synchronously after the last line: it is still kept
      };
      burst();
    `);
    const seen = lines(child);
    expect(await exitOf(child)).toBe(0);
    expect(seen.map((line) => (JSON.parse(line) as { n: number }).n)).toEqual(
      Array.from({ length: 5000 }, (_, i) => i),
    );
  });

  it('writes a line within its keep time, without waiting for more lines or for the exit', async () => {
    const child = run(`
      const logger = createLogger({ name: 'audit', level: 'info', destination: bufferedStdout() });
      logger.info('only line');
      setInterval(() => {}, 1000);
    `);
    const seen = lines(child);
    await expect.poll(() => seen.length, { timeout: 2000, interval: 5 }).toBe(1);
    expect(JSON.parse(seen[0]!)).toMatchObject({ msg: 'only line', name: 'audit' });
  });
});

// A process whose standard output is gone (its parent died, `| head` exited) must still shut down on SIGTERM. The
// last log lines are written asynchronously and flushed synchronously at exit; a flush that retried a broken pipe
// forever kept such processes alive (and holding their queue consumers) until SIGKILL.
describe('standard output gone', () => {
  for (const [name, logger] of [
    ['the default logger', `createLogger({ name: 'app', level: 'info' })`],
    ['bufferedStdout', `createLogger({ name: 'audit', level: 'info', destination: bufferedStdout() })`],
  ] as const) {
    it(`exits 0 on SIGTERM after the reader of its stdout went away (${name})`, async () => {
      const child = run(`
        const logger = ${logger};
        new Shutdown({ logger }).listen();
        process.stdin.resume().once('end', () => process.kill(process.pid, 'SIGTERM'));
        setInterval(() => logger.info('tick'), 5);
        process.stderr.write('ready\\n');
      `);
      await new Promise((resolve) => child.stderr.once('data', resolve));
      // Close the read end of its stdout, then ask it to stop: its log lines meet a broken pipe.
      child.stdout.destroy();
      await new Promise((r) => setTimeout(r, 100));
      child.stdin.end();
      expect(await exitOf(child)).toBe(0);
    });
  }
});
