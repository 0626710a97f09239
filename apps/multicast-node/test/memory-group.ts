import { createLogger } from '@kverse/runtime';
import { Registry } from 'prom-client';
import { FaultTransport } from '../src/fault-transport.js';
import { MemoryNetwork } from '../src/memory-transport.js';
import { MulticastNode } from '../src/node.js';
import { NodeMetrics } from '../src/node-metrics.js';
import { originKey } from '../src/ordering.js';

export interface GroupOptions {
  readonly ordering: 'none' | 'total';
  readonly drop?: number;
  readonly duplicate?: number;
  readonly reorder?: number;
  readonly seed: number;
}

export interface Member {
  readonly node: MulticastNode;
  readonly faults: FaultTransport;
  readonly metrics: NodeMetrics;
  readonly registry: Registry;
  /** Origins in the order this node delivered them. */
  readonly deliveries: string[];
}

/** Test helper: nodes over an in-memory network, each behind a seeded fault wrapper, with fast timings. */
export class MemoryGroup {
  readonly network = new MemoryNetwork();
  readonly members = new Map<string, Member>();
  private readonly logger = createLogger({ level: 'silent', name: 'test' });
  private joined = 0;

  constructor(private readonly options: GroupOptions) {}

  add(id: string): Member {
    const faults = new FaultTransport(this.network.attach(id), {
      drop: this.options.drop ?? 0,
      duplicate: this.options.duplicate ?? 0,
      reorder: this.options.reorder ?? 0,
      maxDelayMs: 4,
      seed: this.options.seed * 1000 + this.joined++,
    });
    const registry = new Registry();
    const metrics = new NodeMetrics(registry);
    const node = new MulticastNode({
      nodeId: id,
      ordering: this.options.ordering,
      transport: faults,
      maxDatagramBytes: 8192,
      timing: { heartbeatMs: 10, failureTimeoutMs: 120, retryMs: 5 },
      logger: this.logger,
      metrics,
    });
    const deliveries: string[] = [];
    node.onDelivery((d) => deliveries.push(originKey(d.origin)));
    const member = { node, faults, metrics, registry, deliveries };
    this.members.set(id, member);
    node.start();
    return member;
  }

  get(id: string): Member {
    const m = this.members.get(id);
    if (!m) throw new Error(`no member ${id}`);
    return m;
  }

  /** Stops a member abruptly, as a crash would: it sends nothing more and is forgotten by the network. */
  async kill(id: string): Promise<void> {
    await this.get(id).node.close();
    this.members.delete(id);
  }

  live(): Member[] {
    return [...this.members.values()];
  }

  async close(): Promise<void> {
    await Promise.all(this.live().map((m) => m.node.close()));
  }
}

/** Polls `check` until it returns true; fails with `describe()` after `timeoutMs`. */
export async function waitUntil(check: () => boolean, describe: () => string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${describe()}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Waits until the total-order members agree on an active sequencer. */
export async function waitForSequencer(group: MemoryGroup): Promise<string> {
  let leader: string | null = null;
  await waitUntil(
    () => {
      const views = group.live().map((m) => m.node.state().ordering);
      const leaders = new Set(views.map((v) => v.sequencer));
      leader = (views[0]?.sequencer as string | null) ?? null;
      return leaders.size === 1 && leader !== null && views.some((v) => v.role === 'sequencer');
    },
    () => JSON.stringify(group.live().map((m) => m.node.state().ordering)),
  );
  return leader!;
}
