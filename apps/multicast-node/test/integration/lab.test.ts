import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { assertBuilt } from '../node-process.js';

const LAB_JS = fileURLToPath(new URL('../../dist/lab.js', import.meta.url));

async function lab(...args: string[]): Promise<string> {
  assertBuilt();
  const { stdout } = await promisify(execFile)(process.execPath, [LAB_JS, ...args], { timeout: 60_000 });
  return stdout;
}

describe('node dist/lab.js', () => {
  it('shows the seed’s divergence with --ordering none and the fix with --ordering total', async () => {
    const none = await lab('--nodes', '3', '--ordering', 'none', '--writes', '20');
    expect(none).toMatch(/DIVERGED: \d+ key\(s\) differ/);
    const total = await lab('--nodes', '3', '--ordering', 'total', '--writes', '20');
    expect(total).toContain('CONVERGED');
    const digests = [...total.matchAll(/digest ([0-9a-f]{16})/g)].map((m) => m[1]);
    expect(digests).toHaveLength(3);
    expect(new Set(digests).size).toBe(1);
  });
});
