import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const app = fileURLToPath(new URL('../', import.meta.url));

async function files(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out.set(relative(dir, path), await readFile(path, 'utf8'));
  }
  return out;
}

it('src/generated is what scripts/generate.sh makes from proto/kvstore/v1/kvstore.proto (run `npm run generate -w apps/grpc-kv`)', async () => {
  const out = await mkdtemp(join(tmpdir(), 'kverse-grpc-kv-gen-'));
  try {
    execFileSync('bash', [join(app, 'scripts/generate.sh'), out], { stdio: 'pipe' });
    const fresh = await files(out);
    const checkedIn = await files(join(app, 'src/generated'));
    expect([...checkedIn.keys()].sort()).toEqual([...fresh.keys()].sort());
    for (const [path, text] of fresh) expect(checkedIn.get(path), path).toBe(text);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
