import { type FileHandle, open } from 'node:fs/promises';

/**
 * Makes a directory's entries durable: a created, renamed or deleted file survives a power loss only once the
 * directory itself is fsynced (ext4, xfs and friends; `man 2 fsync`).
 */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes all of `data` (a write may be partial; the rest is retried). */
export async function writeFully(handle: FileHandle, data: Buffer): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await handle.write(data, done, data.length - done);
    done += bytesWritten;
  }
}
