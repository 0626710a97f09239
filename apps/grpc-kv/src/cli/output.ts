/** Where a command writes: stdout for results, stderr for progress and diagnostics (injectable for tests). */
export interface CommandIo {
  readonly out: NodeJS.WritableStream;
  readonly err: NodeJS.WritableStream & { isTTY?: boolean };
}

export const processIo: CommandIo = { out: process.stdout, err: process.stderr };
