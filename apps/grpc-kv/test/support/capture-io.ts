import { PassThrough } from 'node:stream';
import type { CommandIo } from '../../src/index.js';

/** A CommandIo whose output is kept in strings. */
export function captureIo(): CommandIo & { stdout(): string; stderr(): string } {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  err.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  return { out, err, stdout: () => stdout, stderr: () => stderr };
}
