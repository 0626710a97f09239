import { copyFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openLogEngine } from '../src/index.js';
import { segmentName, snapshotName } from '../src/wal-segments.js';
import { capturingLogger, put, silent, tempDir } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('snapshot'));
});
afterEach(() => cleanup());

const files = async () => (await readdir(dir)).filter((f) => f !== 'LOCK').sort();

describe('snapshots', () => {
  it('are taken every N mutations and delete the log segments they cover', async () => {
    const engine = await openLogEngine({ dir, sync: 'none', logger: silent(), snapshotEvery: { mutations: 10 } });
    for (let i = 0; i < 35; i++) {
      await engine.apply([put(`k${i}`, i + 1)]);
      // Snapshots are written in the background; wait for each before triggering the next.
      if ((i + 1) % 10 === 0) await vi.waitFor(() => expect(engine.stats().snapshots).toBe((i + 1) / 10));
    }
    await engine.close();
    expect(engine.stats().snapshots).toBe(3);
    // Three rotations: segments 1..3 are covered by snap-4 and gone, and so are the older snapshots.
    expect(await files()).toEqual([snapshotName(4), segmentName(4)]);
    const reopened = await openLogEngine({ dir, logger: silent() });
    expect((await reopened.list({ limit: 100 })).records).toHaveLength(35);
    expect((await reopened.get('k7'))?.version).toBe(8n);
    await reopened.close();
  });

  it('are triggered by bytes logged as well', async () => {
    const engine = await openLogEngine({ dir, sync: 'none', logger: silent(), snapshotEvery: { bytes: 50_000 } });
    for (let i = 0; i < 12; i++) await engine.apply([put(`big${i}`, i + 1, 'x'.repeat(10_000))]);
    await engine.close();
    expect(engine.stats().snapshots).toBeGreaterThanOrEqual(1);
    expect(engine.stats().walBytes).toBeGreaterThan(100_000);
  });

  it('an explicit snapshot rejects when writing it fails, and the engine goes on', async () => {
    const engine = await openLogEngine({ dir, sync: 'none', logger: silent() });
    await engine.apply([put('k', 1)]);
    // Where the snapshot of segment 2 is written first: a directory there makes the write fail.
    await mkdir(join(dir, `${snapshotName(2)}.tmp`));
    await expect(engine.snapshot()).rejects.toThrow();
    expect(engine.stats().snapshots).toBe(0);
    await rm(join(dir, `${snapshotName(2)}.tmp`), { recursive: true });
    await engine.apply([put('k', 2)]);
    await engine.snapshot();
    expect(engine.stats().snapshots).toBe(1);
    expect((await engine.get('k'))?.version).toBe(2n);
    await engine.close();
  });

  it('keep tombstones, so a late older put still does not resurrect a key after recovery', async () => {
    const engine = await openLogEngine({ dir, logger: silent() });
    await engine.apply([put('k', 1), { op: 'delete', key: 'k', version: 5n, writer: 'w', timestamp: 5 }]);
    await engine.snapshot();
    await engine.close();
    expect(await files()).toEqual([snapshotName(2), segmentName(2)]);
    const reopened = await openLogEngine({ dir, logger: silent() });
    expect(await reopened.apply([put('k', 3)])).toEqual(['superseded']);
    expect(await reopened.get('k')).toBeUndefined();
    await reopened.close();
  });

  it('hold what was written while they were being taken exactly once (in the snapshot or the log)', async () => {
    const engine = await openLogEngine({ dir, logger: silent(), snapshotEvery: { mutations: 50 } });
    const writes = Array.from({ length: 400 }, (_, i) => engine.apply([put(`c${String(i).padStart(3, '0')}`, i + 1)]));
    await Promise.all(writes);
    await engine.close();
    expect(engine.stats().snapshots).toBeGreaterThan(0);
    const reopened = await openLogEngine({ dir, logger: silent() });
    const keys = (await reopened.list({ limit: 1000 })).records.map((r) => r.key);
    expect(keys).toEqual(Array.from({ length: 400 }, (_, i) => `c${String(i).padStart(3, '0')}`));
    await reopened.close();
  });

  it('survive a crash between writing and cleaning up: leftovers are removed and not replayed twice', async () => {
    const engine = await openLogEngine({ dir, logger: silent() });
    await engine.apply([put('a', 1), put('b', 2)]);
    await engine.close();
    // Keep segment 1 as a crash after the snapshot's rename but before its deletion would leave it.
    await copyFile(join(dir, segmentName(1)), join(dir, 'keep'));
    const again = await openLogEngine({ dir, logger: silent() });
    await again.snapshot();
    await again.apply([{ op: 'delete', key: 'a', version: 3n, writer: 'w', timestamp: 3 }]);
    await again.close();
    await copyFile(join(dir, 'keep'), join(dir, segmentName(1)));
    await writeFile(join(dir, `${snapshotName(9)}.tmp`), 'half a snapshot');
    const { logger } = capturingLogger();
    const reopened = await openLogEngine({ dir, logger });
    expect(await reopened.get('a')).toBeUndefined();
    expect((await reopened.get('b'))?.value).toBe('value-of-b');
    await reopened.close();
    expect(await files()).toEqual(['keep', snapshotName(2), segmentName(2)]);
  });
});
