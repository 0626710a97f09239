import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createToken } from '@kverse/access';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const root = new URL('../../../', import.meta.url).pathname;
const entry = join(root, 'cli/dist/main.js');

// Every front door on a free port, so the test never collides with a running platform or another test.
const FREE_PORTS = {
  PORT: '0',
  HOST: '127.0.0.1',
  GRPC_KV_PORT: '0',
  CHAT_PORT: '0',
  CHAT_METRICS_PORT: '0',
  MULTICAST_HTTP_PORT: '0',
  // A group port of its own, so this node never joins another test's multicast group.
  MULTICAST_PORT: String(20_000 + Math.floor(Math.random() * 20_000)),
};

let dataDir: string;
const running = new Set<ChildProcess>();

beforeEach(async () => {
  if (!existsSync(entry)) throw new Error(`${entry} is missing: build first with \`npx tsc -b\` (npm test does)`);
  dataDir = await mkdtemp(join(tmpdir(), 'kverse-start-'));
});
afterEach(async () => {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
  await rm(dataDir, { recursive: true, force: true });
});

/** Runs `kverse start` as its own process, as `npm start` does, and resolves with the REST base URL it prints. */
function start(env: NodeJS.ProcessEnv = {}): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, [entry, 'start'], {
    env: { ...process.env, ...FREE_PORTS, KVERSE_DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  running.add(child);
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      const match = /REST API\s+(http:\/\/\S+)/.exec(err);
      if (match) resolve({ child, base: match[1]! });
    });
    child.once('exit', (code) => reject(new Error(`kverse start exited with ${code}:\n${err}`)));
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

describe('kverse start (npm start)', () => {
  it('serves the seed examples and keeps the data across a graceful restart', async () => {
    let { child, base } = await start();
    const put = await fetch(`${base}/`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: '{"key_name":"teste","key_value":"valor"}',
    });
    expect(put.status).toBe(202);
    expect(await (await fetch(`${base}/?key=teste`)).json()).toMatchObject({ key: 'teste', value: 'valor' });
    await fetch(`${base}/kv`, {
      method: 'PUT',
      body: JSON.stringify({ key: 'kept', value: 'across restarts' }),
      headers: { 'Content-Type': 'application/json' },
    });
    expect((await fetch(`${base}/?key_name=teste`, { method: 'DELETE' })).status).toBe(202);
    expect((await fetch(`${base}/?key=teste`)).status).toBe(404);

    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);

    ({ child, base } = await start());
    expect(await (await fetch(`${base}/kv?key=kept`)).json()).toMatchObject({ value: 'across restarts' });
    expect((await fetch(`${base}/kv?key=teste`)).status).toBe(404);
  });

  it('keeps every acknowledged write when killed with SIGKILL under concurrent load', async () => {
    let { child, base } = await start();
    const acked = new Map<string, string>();
    let stop = false;
    const writer = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const key = `w${w}/k${i % 50}`;
        const value = `${w}-${i}`;
        try {
          const res = await fetch(`${base}/kv`, {
            method: 'PUT',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ key, value }),
          });
          if (res.status === 202) acked.set(key, value);
        } catch {
          return; // the server is gone
        }
      }
    };
    const writers = Array.from({ length: 16 }, (_, w) => writer(w));
    await new Promise((r) => setTimeout(r, 1500));
    child.kill('SIGKILL');
    stop = true;
    await Promise.all(writers);
    expect(acked.size).toBeGreaterThan(100);

    ({ child, base } = await start());
    for (const [key, value] of acked) {
      const got = await (await fetch(`${base}/kv?key=${encodeURIComponent(key)}`)).json();
      // A later write to the same key may have reached the disk without its answer reaching us; never an older one.
      const [w, i] = (got.value as string).split('-').map(Number);
      const [ew, ei] = value.split('-').map(Number);
      expect(w).toBe(ew);
      expect(i).toBeGreaterThanOrEqual(ei!);
    }
  });

  it('puts a rotated tokens file in force without a restart', async () => {
    const [first, second] = [createToken('first', 'read'), createToken('second', 'read')];
    const file = join(dataDir, 'tokens');
    await writeFile(file, `${first.entry}\n`);
    const { base } = await start({ KVERSE_AUTH_ENABLED: 'on', KVERSE_AUTH_TOKENS_FILE: file });
    const status = async (token: string) =>
      (await fetch(`${base}/kv?key=absent`, { headers: { authorization: `Bearer ${token}` } })).status;
    expect(await status(first.token)).toBe(404);
    expect(await status(second.token)).toBe(401);
    // The way a Secret volume updates: a new file renamed over the old one.
    await writeFile(`${file}.new`, `${second.entry}\n`);
    await rename(`${file}.new`, file);
    await expect.poll(() => status(second.token), { timeout: 10_000, interval: 200 }).toBe(404);
    expect(await status(first.token)).toBe(401);
  });

  it('refuses to start with an invalid setting, naming the variable', async () => {
    const child = spawn(process.execPath, [entry, 'start'], {
      env: { ...process.env, PORT: 'eighty', KVERSE_DATA_DIR: dataDir, KVERSE_FSNYC: 'group' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    running.add(child);
    let err = '';
    child.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
    });
    expect(await exited(child)).toBe(2);
    expect(err).toMatch(/KVERSE_FSNYC is not a KVerse setting/);
  });
});
