import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { call, kvClient, repoRoot } from '../support/harness.js';

const entry = join(repoRoot, 'apps/grpc-kv/dist/main.js');
const running = new Set<ChildProcess>();
const dirs: string[] = [];

afterEach(async () => {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** Starts the standalone server (its container entry point) and resolves with the address it logs. */
function startServer(dataDir: string): Promise<{ child: ChildProcess; address: string }> {
  const child = spawn(process.execPath, [entry], {
    env: {
      ...process.env,
      GRPC_KV_HOST: '127.0.0.1',
      GRPC_KV_PORT: '0',
      GRPC_KV_METRICS_PORT: '0',
      KVERSE_DATA_DIR: dataDir,
      KVERSE_FSYNC: 'group',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /"address":"([^"]+)"[^\n]*gRPC KV ready/.exec(out);
      if (match) resolve({ child, address: match[1]! });
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${out}`)));
  });
}

it('keeps every acknowledged write across a SIGKILL during writes', async () => {
  if (!existsSync(entry)) throw new Error(`${entry} is missing: build first with \`npx tsc -b\` (npm test does)`);
  const dataDir = await mkdtemp(join(tmpdir(), 'kverse-grpc-kv-restart-'));
  dirs.push(dataDir);
  const first = await startServer(dataDir);
  const client = kvClient(first.address);
  const acknowledged = new Map<string, string>();
  let stop = false;
  // Eight writers in a closed loop until the kill; a write counts only once its response arrived.
  const writers = Array.from({ length: 8 }, async (_, w) => {
    for (let i = 0; !stop; i++) {
      const key = `w${w}/k${i % 50}`;
      const value = `${w}-${i}`;
      try {
        await call((cb) => client.Put({ key, value }, cb));
        acknowledged.set(key, value);
      } catch {
        return;
      }
    }
  });
  await new Promise((resolve) => setTimeout(resolve, 1500));
  first.child.kill('SIGKILL');
  stop = true;
  await Promise.all(writers);
  client.close();
  expect(acknowledged.size).toBeGreaterThan(50);

  const second = await startServer(dataDir);
  const reader = kvClient(second.address);
  try {
    const all = await call((cb) => reader.GetAll({}, cb));
    const stored = new Map(all!.pairs.map((p) => [p.key, p.value]));
    for (const [key, value] of acknowledged) {
      // A write that was in flight at the kill may also have landed, so a key holds its last acknowledged value
      // or the one written after it by the same writer.
      const got = stored.get(key);
      expect(got, key).toBeDefined();
      const [gw, gi] = got!.split('-').map(Number);
      const [aw, ai] = value.split('-').map(Number);
      expect(gw).toBe(aw);
      expect(gi).toBeGreaterThanOrEqual(ai!);
    }
  } finally {
    reader.close();
  }
});
