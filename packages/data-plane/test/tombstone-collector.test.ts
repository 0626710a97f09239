import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KvEngine, Mutation } from '@kverse/kv-core';
import { openLogEngine } from '@kverse/log-engine';
import { createLogger } from '@kverse/runtime';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TombstoneCollector } from '../src/tombstone-collector.js';

const logger = createLogger({ name: 'tombstone-test', level: 'silent' });
const DAY = 24 * 3_600_000;

describe('TombstoneCollector (on the log engine)', () => {
  let dir: string;
  let engine: KvEngine;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kverse-tombstones-'));
    engine = await openLogEngine({ dir, sync: 'none', logger });
  });
  afterEach(async () => {
    await engine.close();
    await rm(dir, { recursive: true, force: true });
  });

  const put = (key: string, version: bigint, timestamp: number): Mutation => ({
    op: 'put',
    key,
    value: `v${version}`,
    version,
    writer: 'w',
    timestamp,
  });
  const del = (key: string, version: bigint, timestamp: number): Mutation => ({
    op: 'delete',
    key,
    version,
    writer: 'w',
    timestamp,
  });

  /** `old` deleted two days ago, `recent` a minute ago; each had a put before its delete. */
  async function seed(): Promise<void> {
    const now = Date.now();
    await engine.apply([put('old', 1n, now - 3 * DAY), del('old', 2n, now - 2 * DAY)]);
    await engine.apply([put('recent', 3n, now - 120_000), del('recent', 4n, now - 60_000)]);
  }

  it('removes the tombstones of deletes older than the retention and keeps the others', async () => {
    await seed();
    const collector = new TombstoneCollector({ engine, retentionMs: DAY, logger });
    expect(await collector.collect()).toBe(1);
    expect(await collector.collect()).toBe(0);
    // A late write older than the delete: the recent tombstone still stops it; the collected one no longer does.
    expect(await engine.apply([put('recent', 3n, Date.now())])).toEqual(['superseded']);
    expect(await engine.apply([put('old', 1n, Date.now())])).toEqual(['applied']);
  });

  it('keeps every tombstone with a retention of 0', async () => {
    await seed();
    const collector = new TombstoneCollector({ engine, retentionMs: 0, logger }).start();
    expect(await collector.collect()).toBe(0);
    await collector.stop();
    expect(await engine.apply([put('old', 1n, Date.now())])).toEqual(['superseded']);
  });

  it('collects on its own once started, until stopped', async () => {
    await seed();
    const cutoffs: number[] = [];
    const watched = {
      purgeTombstones: (before: number) => {
        cutoffs.push(before);
        return engine.purgeTombstones(before);
      },
    };
    const collector = new TombstoneCollector({ engine: watched, retentionMs: DAY, intervalMs: 10, logger }).start();
    await expect.poll(() => cutoffs.length).toBeGreaterThanOrEqual(2);
    await collector.stop();
    const runs = cutoffs.length;
    expect(Date.now() - (cutoffs[0] ?? 0)).toBeGreaterThanOrEqual(DAY);
    expect(await engine.apply([put('old', 1n, Date.now())])).toEqual(['applied']);
    await new Promise((r) => setTimeout(r, 50));
    expect(cutoffs.length).toBe(runs);
  });

  it('collects only while active (the consumer replica that leads)', async () => {
    await seed();
    let cutoffs = 0;
    const watched = {
      purgeTombstones: (before: number) => {
        cutoffs++;
        return engine.purgeTombstones(before);
      },
    };
    let leads = false;
    const collector = new TombstoneCollector({
      engine: watched,
      retentionMs: DAY,
      intervalMs: 5,
      active: () => leads,
      logger,
    }).start();
    await new Promise((r) => setTimeout(r, 60));
    expect(cutoffs).toBe(0);
    leads = true;
    await expect.poll(() => cutoffs).toBeGreaterThanOrEqual(1);
    await collector.stop();
    expect(await engine.apply([put('old', 1n, Date.now())])).toEqual(['applied']);
  });
});
