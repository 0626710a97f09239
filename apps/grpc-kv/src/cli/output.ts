/** Where a command reads and writes: stdout for results, stderr for progress and diagnostics (injectable for tests). */
export interface CommandIo {
  /** Input read by commands that take a document on stdin (`kv txn`). @default process.stdin */
  readonly in?: NodeJS.ReadableStream;
  readonly out: NodeJS.WritableStream;
  readonly err: NodeJS.WritableStream & { isTTY?: boolean };
}

export const processIo: CommandIo = { in: process.stdin, out: process.stdout, err: process.stderr };
