import { spawnSync } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLogEngine } from '../src/index.js';
import { capturingLogger, put, silent, tempDir } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('lock'));
});
afterEach(() => cleanup());

describe('data directory lock', () => {
  it('refuses a second engine on the same directory until the first is closed', async () => {
    const first = await openLogEngine({ dir, logger: silent() });
    await expect(openLogEngine({ dir, logger: silent() })).rejects.toMatchObject({
      code: 'KV_ERR_DATA_DIR_LOCKED',
      message: expect.stringContaining(`in use by process ${process.pid}`),
    });
    await first.apply([put('k', 1)]);
    await first.close();
    const second = await openLogEngine({ dir, logger: silent() });
    expect((await second.get('k'))?.value).toBe('value-of-k');
    await second.close();
  });

  it('lets exactly one of many engines opened at once take the directory', async () => {
    const opened = await Promise.allSettled(Array.from({ length: 32 }, () => openLogEngine({ dir, logger: silent() })));
    const taken = opened.filter((r) => r.status === 'fulfilled');
    expect(taken).toHaveLength(1);
    for (const r of opened) {
      if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'KV_ERR_DATA_DIR_LOCKED' });
    }
    await (taken[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof openLogEngine>>>).value.close();
    expect((await readdir(dir)).filter((f) => f.startsWith('LOCK'))).toEqual([]);
  });

  it('takes over the lock of a process that is gone', async () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    await writeFile(join(dir, 'LOCK'), JSON.stringify({ pid: dead, start: '1', host: hostname() }));
    const { logger, lines } = capturingLogger();
    const engine = await openLogEngine({ dir, logger });
    expect(lines.some((l) => String(l.msg).includes('stale data directory lock'))).toBe(true);
    await engine.close();
  });

  it('takes over a lock naming a live pid that belongs to a later process', async () => {
    await writeFile(join(dir, 'LOCK'), JSON.stringify({ pid: process.pid, start: '1', host: hostname() }));
    const engine = await openLogEngine({ dir, logger: silent() });
    await engine.close();
  });
});
