import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';
import { afterAll, expect, it } from 'vitest';

/** Issue 7's budget for everything the browser downloads (HTML, JS, CSS), gzipped. */
const BUDGET_BYTES = 150 * 1024;
const WEB_DIR = fileURLToPath(new URL('..', import.meta.url));

let outDir: string | undefined;
afterAll(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

it('builds a bundle under 150 KB gzipped', async () => {
  outDir = await mkdtemp(join(tmpdir(), 'kverse-web-bundle-'));
  await build({
    configFile: join(WEB_DIR, 'vite.config.ts'),
    logLevel: 'silent',
    build: { outDir, emptyOutDir: true },
  });
  const files = (await readdir(outDir, { recursive: true, withFileTypes: true }))
    .filter((f) => f.isFile())
    .map((f) => join(f.parentPath, f.name));
  expect(files.some((f) => f.endsWith('index.html'))).toBe(true);
  expect(files.some((f) => f.endsWith('.js'))).toBe(true);
  let total = 0;
  for (const file of files) total += gzipSync(await readFile(file), { level: 9 }).length;
  expect(total).toBeLessThan(BUDGET_BYTES);
}, 60_000);
