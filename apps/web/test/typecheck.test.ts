import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

// apps/web is outside `tsc -b`: the browser code has its own tsconfig (DOM, JSX for preact, no emit) and so do these
// tests (Node, plus DOM for the callbacks Playwright runs in the page). CI checks both here.
it.each(['../tsconfig.json', './tsconfig.json'])(
  'type-checks %s',
  async (config) => {
    const tsc = fileURLToPath(new URL('../../../node_modules/.bin/tsc', import.meta.url));
    const project = fileURLToPath(new URL(config, import.meta.url));
    const run = await promisify(execFile)(tsc, ['-p', project]).then(
      () => ({ ok: true, output: '' }),
      (err: { stdout?: string; stderr?: string }) => ({ ok: false, output: `${err.stdout ?? ''}${err.stderr ?? ''}` }),
    );
    expect(run.output).toBe('');
    expect(run.ok).toBe(true);
  },
  120_000,
);
