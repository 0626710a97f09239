import { startLocalCluster } from './local-cluster.js';

export interface MulticastLabOptions {
  /** Nodes to start (≥ 2). */
  readonly nodes: number;
  /** Rounds of writes; in each, every node sets the same key to its own id at the same moment. */
  readonly writes: number;
  readonly ordering: 'none' | 'total';
  readonly transport?: 'multicast' | 'unicast';
  /** Keys the rounds cycle through. @default 4 */
  readonly keys?: number;
  /** Per-node delivery jitter standing in for a network (see {@link startLocalCluster}). @default 0.5 */
  readonly jitter?: number;
  readonly seed?: number;
  /** Longest wait for the writes to settle. @default 10000 */
  readonly settleTimeoutMs?: number;
}

export interface MulticastLabResult {
  readonly ordering: 'none' | 'total';
  readonly nodes: ReadonlyArray<{ readonly id: string; readonly digest: string; readonly applied: number }>;
  /** True when every node ends with the same digest. */
  readonly converged: boolean;
  /** Keys whose value is not the same on every node. */
  readonly divergentKeys: readonly string[];
  /** Commands sent (nodes × writes). */
  readonly sent: number;
  readonly elapsedMs: number;
}

/**
 * The seed's experiment in one call: starts `nodes` local nodes, fires conflicting concurrent SETs, waits for
 * them to settle and compares the replicas. With `none` the replicas usually end different; with `total`
 * they always end equal. Used by `node dist/lab.js` and by the `kverse lab multicast` command.
 */
export async function runMulticastLab(options: MulticastLabOptions): Promise<MulticastLabResult> {
  if (options.nodes < 2) throw new RangeError('the lab needs at least 2 nodes');
  const started = performance.now();
  const cluster = await startLocalCluster({
    nodes: options.nodes,
    ordering: options.ordering,
    transport: options.transport ?? 'multicast',
    jitter: options.jitter ?? 0.5,
    seed: options.seed ?? 1,
  });
  try {
    await cluster.ready();
    const keys = options.keys ?? 4;
    for (let round = 0; round < options.writes; round++) {
      // Same macrotask on every node: the writes are truly concurrent.
      for (const { node } of cluster.handles) node.submit({ op: 'SET', key: `k${round % keys}`, value: node.nodeId });
      await new Promise((r) => setImmediate(r));
    }
    const sent = options.nodes * options.writes;
    await settle(cluster.handles, sent, options.settleTimeoutMs ?? 10_000);
    const snapshots = cluster.handles.map((h) => ({ id: h.node.nodeId, snap: h.node.snapshot() }));
    const allKeys = new Set(snapshots.flatMap((s) => Object.keys(s.snap.entries)));
    const divergentKeys = [...allKeys].filter((k) => new Set(snapshots.map((s) => s.snap.entries[k])).size > 1).sort();
    return {
      ordering: options.ordering,
      nodes: snapshots.map((s) => ({ id: s.id, digest: s.snap.digest, applied: s.snap.applied })),
      converged: new Set(snapshots.map((s) => s.snap.digest)).size === 1,
      divergentKeys,
      sent,
      elapsedMs: Math.round(performance.now() - started),
    };
  } finally {
    await cluster.close();
  }
}

// Settled: every node applied every command, or (`none` loses datagrams for good) nothing changed for 300 ms.
async function settle(
  handles: ReadonlyArray<{ node: { snapshot(): { applied: number } } }>,
  expected: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  let stableSince = Date.now();
  while (Date.now() < deadline) {
    const applied = handles.map((h) => h.node.snapshot().applied);
    if (applied.every((a) => a >= expected)) return;
    const total = applied.reduce((a, b) => a + b, 0);
    if (total !== last) {
      last = total;
      stableSince = Date.now();
    } else if (Date.now() - stableSince > 300) {
      return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The lab's report as printed by `lab.js` and `kverse lab multicast`: one line per node, then the verdict. */
export function formatLabResult(result: MulticastLabResult): string {
  const lines = [
    `ordering=${result.ordering}: ${result.sent} commands from ${result.nodes.length} nodes (${result.elapsedMs} ms)`,
  ];
  for (const n of result.nodes) lines.push(`  node ${n.id}  digest ${n.digest}  applied ${n.applied}`);
  lines.push(
    result.converged
      ? '  CONVERGED: every replica has the same digest'
      : `  DIVERGED: ${result.divergentKeys.length} key(s) differ (${result.divergentKeys.join(', ')})`,
  );
  return `${lines.join('\n')}\n`;
}
