import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KvEngine } from '@kverse/kv-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLogEngine } from '../../src/index.js';
import { silent, tempDir } from '../helpers.js';

/**
 * Crash safety: a child process (crash-writer.mjs, running the built package) writes from 64 concurrent workers and
 * is killed with SIGKILL at a random moment; the data directory is then reopened and must hold every acknowledged
 * write, every batch whole or not at all, and nothing that was never written. Rounds accumulate in one directory,
 * so each child also recovers from the previous kill, possibly in the middle of a snapshot, and takes over the lock
 * file the killed one left. While a child runs, opening its directory from this process is refused.
 */

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const CHILD = fileURLToPath(new URL('./crash-writer.mjs', import.meta.url));
const ROUNDS = 4;
const WORKERS = 64;

function value(r: number, w: number, n: number): string {
  return `v:${r}:${w}:${n}:` + 'x'.repeat((n * 37) % 700);
}

interface RoundLog {
  readonly round: number;
  /** Per worker: highest batch started, and the batches acknowledged. */
  readonly started: Map<number, number>;
  readonly acked: Map<number, Set<number>>;
}

async function runAndKill(dir: string, eventsDir: string, round: number): Promise<RoundLog> {
  const events = join(eventsDir, `round-${round}`);
  const child = spawn(process.execPath, [CHILD, dir, String(round), String(WORKERS), '3000', events], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let ready = false;
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  child.stdout.on('data', (d: Buffer) => {
    if (d.toString().includes('ready')) ready = true;
  });
  const closed = once(child, 'close');
  const acked = async () => {
    const text = await readFile(events, 'utf8').catch(() => '');
    return text.split('\n').filter((line) => line.startsWith('A ')).length;
  };
  // Kill at a random moment once writes are flowing.
  const deadline = Date.now() + 30_000;
  while (!ready || (await acked()) < 200) {
    if (child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`crash writer did not start writing (exit ${child.exitCode}): ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  // While the child holds the directory, no other process may open it.
  await expect(openLogEngine({ dir, logger: silent() })).rejects.toMatchObject({
    code: 'KV_ERR_DATA_DIR_LOCKED',
    message: expect.stringContaining(`in use by process ${child.pid}`),
  });
  await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 900));
  child.kill('SIGKILL');
  const [code, signal] = await closed;
  expect({ code, signal }).toEqual({ code: null, signal: 'SIGKILL' });
  // Every line the child wrote before it died is in the file: each was a blocking write before its next step.
  const log: RoundLog = { round, started: new Map(), acked: new Map() };
  for (const line of (await readFile(events, 'utf8')).split('\n')) {
    const [kind, w, n] = line.split(' ');
    if (kind === 'S') log.started.set(Number(w), Math.max(Number(n), log.started.get(Number(w)) ?? -1));
    if (kind === 'A') {
      const set = log.acked.get(Number(w)) ?? new Set<number>();
      set.add(Number(n));
      log.acked.set(Number(w), set);
    }
  }
  return log;
}

/** Checks one round's keys against what its child started and acknowledged. */
async function verifyRound(engine: KvEngine, log: RoundLog): Promise<{ acked: number; present: number }> {
  const r = log.round;
  const page = await engine.list({ prefix: `r${r}/`, limit: 10_000_000 });
  const present = new Map(page.records.map((rec) => [rec.key, rec]));
  let ackedCount = 0;
  for (const [w, maxStarted] of log.started) {
    const acked = log.acked.get(w) ?? new Set<number>();
    ackedCount += acked.size;
    const has = (n: number) => present.has(`r${r}/w${w}/${n}`);
    for (let n = 0; n <= maxStarted + 1; n++) {
      const key = `r${r}/w${w}/${n}`;
      const rec = present.get(key);
      // Batch n is durable iff its own key survives, except an even n whose key batch n+1 deleted.
      const deletedByNext = n % 2 === 0 && has(n + 1);
      if (acked.has(n) && !deletedByNext) expect(rec, `acknowledged ${key} is missing`).toBeDefined();
      if (deletedByNext) expect(rec, `${key} survived the delete in its successor's batch`).toBeUndefined();
      if (rec !== undefined) {
        expect(n, `${key} was never started`).toBeLessThanOrEqual(maxStarted);
        expect(rec.value).toBe(value(r, w, n));
        expect(rec.version).toBe(BigInt(n + 1));
      }
    }
    const hot = present.get(`r${r}/hot/w${w}`);
    const maxAcked = Math.max(-1, ...acked);
    if (maxAcked >= 0) expect(hot, `hot key of worker ${w}`).toBeDefined();
    if (hot !== undefined) {
      const n = Number(hot.version) - 1;
      expect(n).toBeGreaterThanOrEqual(maxAcked);
      expect(n).toBeLessThanOrEqual(maxStarted);
      expect(hot.value).toBe(value(r, w, n));
      // The hot key and batch n's own key were written in one batch.
      expect(has(n) || (n % 2 === 0 && has(n + 1))).toBe(true);
    }
  }
  // Nothing under this round's prefix that the scheme does not explain.
  for (const key of present.keys()) expect(key).toMatch(new RegExp(`^r${r}/(w\\d+/\\d+|hot/w\\d+)$`));
  return { acked: ackedCount, present: present.size };
}

describe('crash safety', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  // The children's event files, outside the data directory the engine owns.
  let eventsDir: string;
  let cleanupEvents: () => Promise<void>;

  beforeAll(async () => {
    // The child runs the compiled package, as an app would.
    execFileSync(process.execPath, [`${ROOT}node_modules/typescript/bin/tsc`, '-b', 'packages/log-engine'], {
      cwd: ROOT,
      stdio: 'inherit',
    });
    ({ dir, cleanup } = await tempDir('crash'));
    ({ dir: eventsDir, cleanup: cleanupEvents } = await tempDir('crash-events'));
  });
  afterAll(async () => {
    await cleanup();
    await cleanupEvents();
  });

  it(`keeps every acknowledged write and no garbage across ${ROUNDS} SIGKILLs during concurrent writes`, async () => {
    const rounds: RoundLog[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      rounds.push(await runAndKill(dir, eventsDir, round));
      const engine = await openLogEngine({ dir, logger: silent() });
      try {
        for (const log of rounds) {
          const { acked, present } = await verifyRound(engine, log);
          expect(acked).toBeGreaterThan(0);
          expect(present).toBeGreaterThan(0);
        }
      } finally {
        await engine.close();
      }
    }
  });
});
