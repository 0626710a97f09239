/**
 * Multicast replication: commands/s delivered and delivery latency (issue → delivery on the issuing node, p50/p99)
 * for ORDERING=none against ORDERING=total, with 3 and 5 nodes. Nodes run in this process over real UDP multicast
 * on the loopback interface; every node keeps `--window` of its own commands in flight and issues the next one when
 * one comes back, all writing the same few keys (conflicting writes). `none` is the anchor: the ratio total/none is
 * the price of agreeing on one order. Convergence: do all replicas end with the same digest? The machine is shared,
 * so none and total alternate `--repeat` times and the table shows medians.
 *
 *   npx tsc -b && node bench/dist/multicast.js [--seconds 2] [--repeat 3] [--window 16]
 */
import { parseArgs } from 'node:util';
import { type LocalCluster, startLocalCluster } from '@kverse/multicast-node';
import { printRatio, printTable, type Row } from './report.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '2' },
    repeat: { type: 'string', default: '3' },
    window: { type: 'string', default: '16' },
    keys: { type: 'string', default: '8' },
  },
});
const seconds = Number(args.seconds);
const window = Number(args.window);
const keys = Number(args.keys);
const repeat = Number(args.repeat);

interface Result {
  readonly ordering: 'none' | 'total';
  readonly nodes: number;
  /** Commands delivered per second, per replica (each replica applies every command once). */
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Own commands that never came back, even after the run settled (`none` has no repair; `total` should be 0). */
  readonly lost: number;
  readonly converged: boolean;
}

async function measure(ordering: 'none' | 'total', nodes: number): Promise<Result> {
  const cluster: LocalCluster = await startLocalCluster({ nodes, ordering, seed: 7 });
  try {
    await cluster.ready();
    const latencies: number[] = [];
    // Commands not back within a second: their window slot is reused; they count as lost unless they still arrive.
    const overdue = new Set<string>();
    let running = true;
    const deliveredAt = cluster.handles.map(() => 0);
    const loops = cluster.handles.map(({ node }, i) => {
      const inFlight = new Map<string, number>();
      let counter = 0;
      node.onDelivery((d) => {
        deliveredAt[i]!++;
        if (d.origin.from !== node.nodeId) return;
        const key = `${d.origin.inc}/${d.origin.seq}`;
        overdue.delete(`${node.nodeId}/${key}`);
        const start = inFlight.get(key);
        if (start === undefined) return;
        inFlight.delete(key);
        latencies.push(performance.now() - start);
        if (running) issue();
      });
      const issue = () => {
        const origin = node.submit({ op: 'SET', key: `k${counter++ % keys}`, value: `${node.nodeId}-${counter}` });
        inFlight.set(`${origin.inc}/${origin.seq}`, performance.now());
      };
      // A lost command (`none`) would hold its window slot forever: give up on it after a second.
      const reaper = setInterval(() => {
        const now = performance.now();
        for (const [key, start] of inFlight) {
          if (now - start < 1000) continue;
          inFlight.delete(key);
          overdue.add(`${node.nodeId}/${key}`);
          if (running) issue();
        }
      }, 100);
      for (let w = 0; w < window; w++) issue();
      return reaper;
    });
    await sleep(300); // warm-up
    const before = deliveredAt.reduce((a, b) => a + b, 0);
    latencies.length = 0;
    const started = performance.now();
    await sleep(seconds * 1000);
    const delivered = deliveredAt.reduce((a, b) => a + b, 0) - before;
    const elapsed = (performance.now() - started) / 1000;
    running = false;
    for (const reaper of loops) clearInterval(reaper);
    const converged = await settled(cluster);
    latencies.sort((a, b) => a - b);
    return {
      ordering,
      nodes,
      perSecond: delivered / nodes / elapsed,
      p50Ms: quantile(latencies, 0.5),
      p99Ms: quantile(latencies, 0.99),
      lost: overdue.size,
      converged,
    };
  } finally {
    await cluster.close();
  }
}

/** Waits until the replicas stop changing, then reports whether their digests agree. */
async function settled(cluster: LocalCluster): Promise<boolean> {
  let previous = '';
  for (let i = 0; i < 100; i++) {
    await sleep(50);
    const view = JSON.stringify(cluster.handles.map((h) => h.node.snapshot().applied));
    if (view === previous) break;
    previous = view;
  }
  return new Set(cluster.handles.map((h) => h.node.snapshot().digest)).size === 1;
}

/** Per-figure medians over runs; convergence only if every run converged, losses summed. */
function median(runs: readonly Result[]): Result {
  const mid = (pick: (r: Result) => number) =>
    quantile(
      [...runs.map(pick)].sort((a, b) => a - b),
      0.5,
    );
  return {
    ordering: runs[0]!.ordering,
    nodes: runs[0]!.nodes,
    perSecond: mid((r) => r.perSecond),
    p50Ms: mid((r) => r.p50Ms),
    p99Ms: mid((r) => r.p99Ms),
    lost: runs.reduce((a, r) => a + r.lost, 0),
    converged: runs.every((r) => r.converged),
  };
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function main(): Promise<void> {
  const results: Result[] = [];
  for (const nodes of [3, 5]) {
    const runs: Record<'none' | 'total', Result[]> = { none: [], total: [] };
    for (let i = 0; i < repeat; i++) {
      for (const ordering of ['none', 'total'] as const) runs[ordering].push(await measure(ordering, nodes));
    }
    for (const ordering of ['none', 'total'] as const) results.push(median(runs[ordering]));
  }
  const rows: Row[] = results.map((r) => ({
    ordering: r.ordering,
    nodes: r.nodes,
    'commands/s delivered (per replica)': Math.round(r.perSecond),
    'p50 ms': Number(r.p50Ms.toFixed(2)),
    'p99 ms': Number(r.p99Ms.toFixed(2)),
    lost: r.lost,
    converged: r.converged ? 'yes' : 'NO',
  }));
  printTable(
    `Multicast replication: medians of ${repeat} alternating runs of ${seconds} s, window ${window} per node, ${keys} shared keys`,
    rows,
  );
  let ok = true;
  for (const nodes of [3, 5]) {
    const none = results.find((r) => r.nodes === nodes && r.ordering === 'none')!;
    const total = results.find((r) => r.nodes === nodes && r.ordering === 'total')!;
    ok = printRatio(`total / none throughput, ${nodes} nodes`, total.perSecond / none.perSecond, 0.5) && ok;
    if (!total.converged) {
      console.log(`total, ${nodes} nodes: replicas did NOT converge`);
      ok = false;
    }
  }
  process.exitCode = ok ? 0 : 1;
}

await main();
