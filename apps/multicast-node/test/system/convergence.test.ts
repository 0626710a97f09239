import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeUdpPorts } from '../../src/local-cluster.js';
import { assertBuilt, eventually, freeTcpPorts, NodeProcess } from '../node-process.js';
import {
  createNetnsTopology,
  type Host,
  hasIptables,
  loopbackTopology,
  PEERS_DNS_NAME,
  type Topology,
} from './topology.js';

/**
 * The seed's experiment across real hosts: every node is its own process in its own network namespace, the
 * namespaces joined by veth pairs on a bridge. Loss is iptables dropping received UDP at random on every host
 * (this kernel has no netem); reordering and duplication come from the nodes' fault wrapper. Where namespaces
 * cannot be made, the same scenarios run on loopback and say so.
 */
const HOSTS = 4;
const LOSS = 0.1;
let topology: Topology;

beforeAll(async () => {
  assertBuilt();
  try {
    topology = createNetnsTopology(HOSTS, 100 + (process.pid % 100));
    if (!hasIptables()) {
      console.warn(
        'iptables missing (scripts/test.d/50-multicast-iptables.sh installs it): loss from the fault wrapper',
      );
    }
  } catch (err) {
    const reason = (err as Error).message.split('\n')[0] ?? String(err);
    topology = loopbackTopology(HOSTS, reason, await freeUdpPorts(HOSTS), await freeTcpPorts(HOSTS));
    console.warn(
      `NETWORK NAMESPACES UNAVAILABLE (${reason}): falling back to loopback — all nodes on 127.0.0.1, ` +
        'loss from the fault wrapper instead of iptables',
    );
  }
});

afterAll(() => topology?.destroy());

interface Scenario {
  readonly ordering: 'none' | 'total';
  readonly transport: 'multicast' | 'unicast';
  readonly hosts: number;
  readonly seed: number;
}

const running: NodeProcess[] = [];
afterAll(async () => {
  await Promise.all(running.map((n) => n.kill()));
});

function startNodes(s: Scenario): NodeProcess[] {
  const hosts = topology.hosts.slice(0, s.hosts);
  const iptablesLoss = topology.setLoss(LOSS);
  const portOf = (h: Host) => (s.transport === 'multicast' ? hosts[0]!.udpPort : h.udpPort);
  const nodes = hosts.map(
    (h) =>
      new NodeProcess({
        id: `h${h.index}`,
        netns: h.netns,
        httpHost: h.ip,
        httpPort: h.httpPort,
        env: {
          ORDERING: s.ordering,
          MULTICAST_TRANSPORT: s.transport,
          MULTICAST_PORT: String(portOf(h)),
          MULTICAST_INTERFACE: h.ip,
          // Between namespaces peers come from DNS (all A records of one name, like a headless Service);
          // on loopback every node needs its own port, which only a static list can give.
          ...(topology.kind === 'netns'
            ? { MULTICAST_PEERS_DNS: PEERS_DNS_NAME }
            : { MULTICAST_PEERS: hosts.map((p) => `${p.ip}:${portOf(p)}`).join(',') }),
          MULTICAST_HTTP_HOST: h.ip,
          MULTICAST_HEARTBEAT_MS: '50',
          MULTICAST_FAILURE_TIMEOUT_MS: '500',
          MULTICAST_RETRY_MS: '20',
          MULTICAST_FAULT_DROP: iptablesLoss ? '0' : String(LOSS),
          MULTICAST_FAULT_REORDER: '0.3',
          MULTICAST_FAULT_DUPLICATE: '0.1',
          MULTICAST_FAULT_DELAY_MS: '4',
          MULTICAST_FAULT_SEED: String(s.seed * 10 + h.index),
        },
      }),
  );
  running.push(...nodes);
  return nodes;
}

async function stopNodes(nodes: NodeProcess[]): Promise<void> {
  await Promise.all(nodes.map((n) => n.kill()));
}

async function states(nodes: NodeProcess[]) {
  return Promise.all(nodes.filter((n) => n.alive).map((n) => n.state()));
}

async function waitForSequencer(nodes: NodeProcess[]): Promise<string> {
  let leader = '';
  await eventually(
    async () => {
      const s = await states(nodes);
      const leaders = new Set(s.map((x) => x.ordering.sequencer));
      leader = String(s[0]?.ordering.sequencer);
      return leaders.size === 1 && s.some((x) => x.ordering.role === 'sequencer') && !leaders.has(null);
    },
    async () => JSON.stringify((await states(nodes)).map((x) => x.ordering)),
  );
  return leader;
}

/**
 * One trial: every live node sets the same two keys to its own id at once. Settles rather than rejects: a node
 * killed during the trial fails its requests, and a live node's failure shows up as a missing key.
 */
async function fire(nodes: NodeProcess[], trial: number): Promise<void> {
  await Promise.allSettled(
    nodes.filter((n) => n.alive).flatMap((n) => [n.set(`t${trial}a`, n.options.id), n.set(`t${trial}b`, n.options.id)]),
  );
}

/** How many ordered commands a node has sent again in answer to NACKs (as sequencer or during a takeover). */
async function retransmittedBy(node: NodeProcess): Promise<number> {
  return Number(/kverse_multicast_retransmitted_total (\d+)/.exec(await node.metrics())?.[1] ?? 0);
}

/** Settled: no own command pending anywhere, equal delivered counts, unchanged across two polls. */
async function settleTotal(nodes: NodeProcess[]): Promise<void> {
  let previous = '';
  await eventually(
    async () => {
      const s = await states(nodes);
      const view = JSON.stringify(s.map((x) => [x.ordering.delivered, x.ordering.pending, x.snapshot.applied]));
      const settled =
        s.every((x) => x.ordering.pending === 0) && new Set(s.map((x) => x.ordering.delivered)).size === 1;
      const stable = settled && view === previous;
      previous = view;
      return stable;
    },
    async () => JSON.stringify((await states(nodes)).map((x) => ({ node: x.node, ...x.ordering }))),
    20_000,
  );
}

describe(`replicas on separate hosts with ${LOSS * 100}% loss, reordering and duplication`, () => {
  it('ORDERING=none: concurrent conflicting SETs leave replicas diverged in a measurable share of trials', async () => {
    const nodes = startNodes({ ordering: 'none', transport: 'multicast', hosts: 3, seed: 1 });
    try {
      await Promise.all(nodes.map((n) => n.waitHealthy()));
      const trials = 12;
      let diverged = 0;
      for (let t = 0; t < trials; t++) {
        await fire(nodes, t);
        await new Promise((r) => setTimeout(r, 150));
        const s = await states(nodes);
        const values = (k: string) => new Set(s.map((x) => x.snapshot.entries[k] ?? '(missing)'));
        if (values(`t${t}a`).size > 1 || values(`t${t}b`).size > 1) diverged++;
      }
      console.log(`[${topology.kind}] none: ${diverged}/${trials} trials diverged`);
      expect(diverged).toBeGreaterThanOrEqual(2);
      if (topology.kind === 'netns') expect(topology.droppedByLoss()).toBeGreaterThan(0);
    } finally {
      await stopNodes(nodes);
    }
  });

  for (const transport of ['multicast', 'unicast'] as const) {
    it(`ORDERING=total over ${transport}: identical digests in every trial, through a sequencer crash and a member crash`, async () => {
      const nodes = startNodes({ ordering: 'total', transport, hosts: HOSTS, seed: 2 });
      try {
        await Promise.all(nodes.map((n) => n.waitHealthy()));
        const first = await waitForSequencer(nodes);
        const trials = 8;
        let seenFailover = false;
        // Resends come from whichever node leads, and both crashed nodes may have led: their counts are read
        // before they die, so the sum covers every node that ever served a NACK.
        let retransmittedByKilled = 0;
        for (let t = 0; t < trials; t++) {
          const victim =
            t === 2
              ? nodes.find((n) => n.options.id === first)!
              : t === 5
                ? await waitForSequencer(nodes).then((leader) => nodes.find((n) => n.alive && n.options.id !== leader)!)
                : undefined;
          if (victim) retransmittedByKilled += await retransmittedBy(victim);
          const firing = fire(nodes, t);
          // The crash lands while this trial's commands are in flight (at trial 2 it is the sequencer's).
          if (victim) await victim.kill();
          await firing;
          await settleTotal(nodes);
          const s = await states(nodes);
          const digests = new Set(s.map((x) => x.snapshot.digest));
          expect(digests.size, `trial ${t}: ${JSON.stringify(s.map((x) => [x.node, x.snapshot.digest]))}`).toBe(1);
          for (const x of s) expect(x.snapshot.entries[`t${t}a`], `trial ${t} on ${x.node}`).toBeDefined();
          if (t >= 2 && s.every((x) => x.ordering.sequencer !== first)) seenFailover = true;
        }
        expect(seenFailover).toBe(true);
        expect(nodes.filter((n) => n.alive)).toHaveLength(HOSTS - 2);
        if (topology.kind === 'netns') expect(topology.droppedByLoss()).toBeGreaterThan(0);
        const live = await Promise.all(nodes.filter((n) => n.alive).map(retransmittedBy));
        expect(retransmittedByKilled + live.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
        console.log(`[${topology.kind}] total over ${transport}: ${trials}/${trials} trials converged`);
      } finally {
        await stopNodes(nodes);
      }
    });
  }
});
