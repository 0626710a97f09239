import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, open, readFile, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { KvError } from '@kverse/kv-core';
import type { Logger } from '@kverse/runtime';

/**
 * A lock file that keeps two engines — in two processes or in one — from opening the same data directory, which
 * would interleave their logs. Node has no flock(2), so this is a PID file in the manner of PostgreSQL's
 * `postmaster.pid`: created with O_EXCL, it names the holder (pid, the process's start time, host); a lock whose
 * holder no longer runs is stale (left by a crash or SIGKILL) and is taken over. The start time tells a holder
 * from a later process that got the same pid (a restarted container is often pid 1 again).
 */
export class DirLock {
  private constructor(readonly path: string) {}

  /** Takes the lock of `dir` or throws `KV_ERR_DATA_DIR_LOCKED` naming the holder. */
  static async acquire(dir: string, logger: Logger): Promise<DirLock> {
    const path = join(dir, 'LOCK');
    const me: Holder = { pid: process.pid, start: processStart(process.pid), host: hostname() };
    // The lock appears whole or not at all: written to a file of this process's own first, then linked to its name
    // (link fails if the name exists). Created in place, it would be empty for a moment, and a second process
    // reading it then would take it for a crashed holder's and remove it.
    const mine = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
    const handle = await open(mine, 'wx');
    try {
      await handle.writeFile(JSON.stringify(me) + '\n');
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          await link(mine, path);
          return new DirLock(path);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        }
        const holder = await readHolder(path);
        if (holder !== undefined && isRunning(holder)) {
          throw new KvError(
            'KV_ERR_DATA_DIR_LOCKED',
            `data directory ${dir} is in use by process ${holder.pid} on ${holder.host} (lock file ${path})`,
            { details: { dir, pid: holder.pid } },
          );
        }
        logger.warn({ path, holder }, 'taking over a stale data directory lock (its process is gone)');
        await unlink(path).catch((e: NodeJS.ErrnoException) => {
          if (e.code !== 'ENOENT') throw e;
        });
      }
      throw new KvError('KV_ERR_DATA_DIR_LOCKED', `could not take the lock ${path}: another process keeps taking it`);
    } finally {
      await unlink(mine).catch(() => undefined);
    }
  }

  /** Releases the lock. */
  async release(): Promise<void> {
    await unlink(this.path);
  }
}

interface Holder {
  readonly pid: number;
  /** Start time of the process in clock ticks since boot (Linux), or null where that is unknown. */
  readonly start: string | null;
  readonly host: string;
}

async function readHolder(path: string): Promise<Holder | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<Holder>;
    if (typeof parsed.pid !== 'number') return undefined;
    return { pid: parsed.pid, start: parsed.start ?? null, host: parsed.host ?? '' };
  } catch {
    // Unreadable or half-written (the holder died while writing it): stale.
    return undefined;
  }
}

function isRunning(holder: Holder): boolean {
  // A lock from another host (a shared volume) cannot be checked; assume it is held.
  if (holder.host !== hostname()) return true;
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const start = processStart(holder.pid);
  return start === null || holder.start === null || start === holder.start;
}

/** Field 22 of /proc/<pid>/stat (start time); null off Linux or when the process is gone. */
function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is parenthesised and may contain spaces; count fields after its closing paren.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}
