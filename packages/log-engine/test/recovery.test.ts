import { appendFile, open, readdir, readFile, stat, truncate, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KvError } from '@kverse/kv-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLogEngine } from '../src/index.js';
import { snapshotName } from '../src/wal-segments.js';
import { capturingLogger, put, recordOffsets, segmentPath, silent, tempDir } from './helpers.js';

// Each test writes N records one apply at a time (so one WAL record each), damages the files, and reopens.
const N = 20;
const keyOf = (i: number) => `key/${String(i).padStart(2, '0')}`;

let dir: string;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('recovery'));
});
afterEach(() => cleanup());

async function writeRecords(options: { segmentBytes?: number } = {}): Promise<void> {
  const engine = await openLogEngine({ dir, sync: 'none', logger: silent(), ...options });
  for (let i = 0; i < N; i++) await engine.apply([put(keyOf(i), i + 1)]);
  await engine.close();
}

async function presentKeys(logger = silent()): Promise<string[]> {
  const engine = await openLogEngine({ dir, logger });
  try {
    const page = await engine.list({ limit: 1000 });
    return page.records.map((r) => r.key);
  } finally {
    await engine.close();
  }
}

async function xorByte(file: string, offset: number): Promise<void> {
  const handle = await open(file, 'r+');
  const b = Buffer.alloc(1);
  await handle.read(b, 0, 1, offset);
  b[0] = (b[0] ?? 0) ^ 0xff;
  await handle.write(b, 0, 1, offset);
  await handle.close();
}

async function openError(): Promise<KvError> {
  const err = await openLogEngine({ dir, logger: silent() }).then(
    async (engine) => {
      await engine.close();
      throw new Error('the engine opened a corrupt data directory');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(KvError);
  return err as KvError;
}

const allKeys = Array.from({ length: N }, (_, i) => keyOf(i));

describe('recovery of a torn tail', () => {
  it('cuts off a record truncated mid-write, keeps every earlier one, and appends after it', async () => {
    await writeRecords();
    const file = segmentPath(dir, 1);
    const offsets = await recordOffsets(file);
    expect(offsets).toHaveLength(N);
    const lastStart = offsets.at(-1) as number;
    await truncate(file, lastStart + 11);
    const { logger, lines } = capturingLogger();
    expect(await presentKeys(logger)).toEqual(allKeys.slice(0, N - 1));
    const warning = lines.find((l) => l.level === 40);
    expect(warning).toMatchObject({ file, offset: lastStart, droppedBytes: 11 });
    expect(String(warning?.msg)).toMatch(/torn record/);
    expect((await stat(file)).size).toBe(lastStart);

    // The log continues cleanly after the cut.
    const engine = await openLogEngine({ dir, logger: silent() });
    await engine.apply([put('after', 1000)]);
    await engine.close();
    expect(await presentKeys()).toEqual(['after', ...allKeys.slice(0, N - 1)]);
  });

  it('cuts off a last record with a flipped bit', async () => {
    await writeRecords();
    const file = segmentPath(dir, 1);
    const lastStart = (await recordOffsets(file)).at(-1) as number;
    await xorByte(file, lastStart + 20);
    expect(await presentKeys()).toEqual(allKeys.slice(0, N - 1));
  });

  it('cuts off a last record whose length field is damaged', async () => {
    await writeRecords();
    const file = segmentPath(dir, 1);
    const lastStart = (await recordOffsets(file)).at(-1) as number;
    await xorByte(file, lastStart + 1);
    expect(await presentKeys()).toEqual(allKeys.slice(0, N - 1));
  });

  it('cuts off zeros or garbage after the last record and keeps every record', async () => {
    await writeRecords();
    const file = segmentPath(dir, 1);
    await appendFile(file, Buffer.alloc(4096));
    expect(await presentKeys()).toEqual(allKeys);
    await appendFile(file, Buffer.from('\u0007 partial garbage'));
    expect(await presentKeys()).toEqual(allKeys);
  });

  it('restarts a segment whose header never reached the disk', async () => {
    await writeRecords();
    await writeFile(segmentPath(dir, 2), Buffer.from('KVW'));
    expect(await presentKeys()).toEqual(allKeys);
    expect((await readFile(segmentPath(dir, 2))).toString('latin1')).toBe('KVWAL001');
  });
});

describe('refusal of corruption in the middle', () => {
  it('refuses a flipped bit in a record that intact records follow, naming file and offset', async () => {
    await writeRecords();
    const file = segmentPath(dir, 1);
    const offsets = await recordOffsets(file);
    const victim = offsets[N / 2] as number;
    await xorByte(file, victim + 12);
    const err = await openError();
    expect(err.code).toBe('KV_ERR_DATA_CORRUPTED');
    expect(err.message).toContain(file);
    expect(err.message).toContain(`byte offset ${victim}`);
    expect(err.message).toMatch(/CRC mismatch.*intact records follow/);
    expect(err.details).toEqual({ file, offset: victim });
    // Refusing changed nothing: the file is still whole apart from the flipped byte.
    expect(await recordOffsets(file)).toEqual(offsets.slice(0, N / 2));
    expect((await stat(file)).size).toBeGreaterThan(offsets.at(-1) as number);
  });

  it('refuses a damaged length field in the middle', async () => {
    await writeRecords();
    const file = segmentPath(dir, 1);
    const victim = (await recordOffsets(file))[3] as number;
    await xorByte(file, victim + 2);
    expect(await openError()).toMatchObject({ code: 'KV_ERR_DATA_CORRUPTED', details: { file, offset: victim } });
  });

  it('refuses damage at the end of a segment that is not the last one', async () => {
    await writeRecords({ segmentBytes: 300 });
    const segments = (await readdir(dir)).filter((f) => f.startsWith('wal-')).sort();
    expect(segments.length).toBeGreaterThan(2);
    const file = join(dir, segments[0] as string);
    const offsets = await recordOffsets(file);
    await truncate(file, (offsets.at(-1) as number) + 5);
    expect(await openError()).toMatchObject({ code: 'KV_ERR_DATA_CORRUPTED', details: { file } });
  });

  it('refuses a missing segment', async () => {
    await writeRecords({ segmentBytes: 300 });
    await unlink(segmentPath(dir, 2));
    const err = await openError();
    expect(err.code).toBe('KV_ERR_DATA_CORRUPTED');
    expect(err.message).toContain(segmentPath(dir, 2));
  });

  it('refuses a damaged snapshot', async () => {
    const engine = await openLogEngine({ dir, logger: silent() });
    await engine.apply(allKeys.map((k, i) => put(k, i + 1)));
    await engine.snapshot();
    await engine.close();
    const snap = join(dir, snapshotName(2));
    await xorByte(snap, 40);
    expect(await openError()).toMatchObject({ code: 'KV_ERR_DATA_CORRUPTED', details: { file: snap } });
  });

  it('refuses a file that is not a log segment', async () => {
    await writeFile(segmentPath(dir, 1), 'hello, this is not a log');
    expect(await openError()).toMatchObject({ code: 'KV_ERR_DATA_CORRUPTED', details: { offset: 0 } });
  });
});
