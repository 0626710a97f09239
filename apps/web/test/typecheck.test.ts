import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

// The browser code is outside `tsc -b` (its own tsconfig: DOM, JSX for preact, no emit); CI checks it here.
it('type-checks the browser code', async () => {
  const tsc = fileURLToPath(new URL('../../../node_modules/.bin/tsc', import.meta.url));
  const project = fileURLToPath(new URL('../tsconfig.json', import.meta.url));
  const run = await promisify(execFile)(tsc, ['-p', project]).then(
    () => ({ ok: true, output: '' }),
    (err: { stdout?: string; stderr?: string }) => ({ ok: false, output: `${err.stdout ?? ''}${err.stderr ?? ''}` }),
  );
  expect(run.output).toBe('');
  expect(run.ok).toBe(true);
}, 120_000);
