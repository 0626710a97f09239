import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Mutation } from '@kverse/kv-core';
import { createLogger, type Logger } from '@kverse/runtime';
import { MAGIC_BYTES, readFrame } from '../src/wal-format.js';
import { segmentName } from '../src/wal-segments.js';

/** A temporary data directory, removed by `cleanup`. */
export async function tempDir(tag: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `kverse-${tag}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A logger that keeps its lines, to check what recovery warned about. */
export function capturingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({
    name: 'test',
    level: 'debug',
    destination: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  return { logger, lines };
}

export const silent = (): Logger => createLogger({ name: 'test', level: 'silent' });

export function put(key: string, version: number, value = `value-of-${key}`): Mutation {
  return { op: 'put', key, value, version: BigInt(version), writer: 'w', timestamp: 1_700_000_000_000 + version };
}

export function segmentPath(dir: string, seq: number): string {
  return join(dir, segmentName(seq));
}

/** Start offsets of the intact records of a segment file. */
export async function recordOffsets(file: string): Promise<number[]> {
  const buf = await readFile(file);
  const offsets: number[] = [];
  let offset = MAGIC_BYTES;
  while (offset < buf.length) {
    const frame = readFrame(buf, offset);
    if (!frame.ok) break;
    offsets.push(offset);
    offset = frame.next;
  }
  return offsets;
}
