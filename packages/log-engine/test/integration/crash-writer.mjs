// Child process of crash.test.ts: opens the log engine on a data directory (recovering whatever the previous,
// killed run left) and writes from many concurrent workers until it is killed. It runs the built package
// (dist), as an app would; the test builds it first.
//
// Protocol, one line per event, appended to the event file given as the fifth argument with a blocking write(2)
// before the next statement runs — so a line is in the kernel's page cache, and survives the SIGKILL, before the
// batch it announces is applied. (stdout would not do: a pipe is written synchronously only while it has room;
// under load, with the test slow to read, Node queues the line in memory and a SIGKILL loses it — a batch would then
// be on disk with no record that it was started.)
//   ready                 the engine is open (on stdout)
//   S <worker> <n>        batch n of this worker is about to be applied
//   A <worker> <n>        batch n was acknowledged (its promise resolved)
//
// Batch n of worker w (round r), applied atomically:
//   put  r<r>/w<w>/<n>       value(r, w, n), version n+1
//   put  r<r>/hot/w<w>       value(r, w, n), version n+1      (one key overwritten by every batch)
//   if n is odd: delete r<r>/w<w>/<n-1>, version n+1
import { openSync, writeSync } from 'node:fs';
import { openLogEngine } from '@kverse/log-engine';
import { createLogger } from '@kverse/runtime';

const [dir, round, concurrency, snapshotEvery, eventFile] = process.argv.slice(2);
const events = openSync(eventFile, 'a');
const record = (line) => writeSync(events, `${line}\n`);
const workers = Number(concurrency);

/** The value batch n of worker w writes: a function of its identity, so recovery can tell real data from garbage. */
function value(r, w, n) {
  return `v:${r}:${w}:${n}:` + 'x'.repeat((n * 37) % 700);
}

const engine = await openLogEngine({
  dir,
  sync: 'group',
  snapshotEvery: { mutations: Number(snapshotEvery) },
  segmentBytes: 256 * 1024,
  // Logs go to stderr: stdout carries `ready`.
  logger: createLogger({ name: 'crash-writer', level: 'warn', destination: process.stderr }),
});
process.stdout.write('ready\n');
// Safety net should the parent fail to kill us.
setTimeout(() => process.exit(3), 60_000).unref();

async function worker(w) {
  for (let n = 0; ; n++) {
    const version = BigInt(n + 1);
    const timestamp = Date.now();
    const writer = `r${round}w${w}`;
    const v = value(round, w, n);
    const batch = [
      { op: 'put', key: `r${round}/w${w}/${n}`, value: v, version, writer, timestamp },
      { op: 'put', key: `r${round}/hot/w${w}`, value: v, version, writer, timestamp },
    ];
    if (n % 2 === 1) batch.push({ op: 'delete', key: `r${round}/w${w}/${n - 1}`, version, writer, timestamp });
    record(`S ${w} ${n}`);
    await engine.apply(batch);
    record(`A ${w} ${n}`);
  }
}

await Promise.all(Array.from({ length: workers }, (_, w) => worker(w)));
