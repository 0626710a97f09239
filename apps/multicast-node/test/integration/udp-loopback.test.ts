import dgram from 'node:dgram';
import { afterAll, describe, expect, it } from 'vitest';
import { freeUdpPorts } from '../../src/local-cluster.js';
import { runMulticastLab } from '../../src/multicast-lab.js';
import { eventually, freeTcpPorts, NodeProcess } from '../node-process.js';

describe('over real UDP on loopback (nodes in this process)', () => {
  it('total order converges on IP multicast and on unicast fan-out', async () => {
    for (const transport of ['multicast', 'unicast'] as const) {
      const result = await runMulticastLab({ nodes: 3, writes: 30, ordering: 'total', transport, seed: 5 });
      expect(result.nodes.map((n) => n.applied)).toEqual([90, 90, 90]);
      expect(result.converged, `${transport}: ${JSON.stringify(result)}`).toBe(true);
    }
  });

  it('no ordering diverges in a share of trials', async () => {
    let diverged = 0;
    for (let seed = 1; seed <= 5; seed++) {
      const result = await runMulticastLab({ nodes: 3, writes: 10, ordering: 'none', seed });
      if (!result.converged) diverged++;
    }
    expect(diverged).toBeGreaterThanOrEqual(2);
  });
});

describe('the node program (real processes, prompt on a pipe)', () => {
  const nodes: NodeProcess[] = [];
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.kill()));
  });

  it('replicates commands typed at one prompt, drops garbage datagrams, and exits on EXIT', async () => {
    const [groupPort] = await freeUdpPorts(1);
    const [httpA, httpB] = await freeTcpPorts(2);
    const env = {
      ORDERING: 'total',
      MULTICAST_PORT: String(groupPort),
      MULTICAST_INTERFACE: '127.0.0.1',
      MULTICAST_HTTP_HOST: '127.0.0.1',
      MULTICAST_HEARTBEAT_MS: '20',
      MULTICAST_FAILURE_TIMEOUT_MS: '300',
      MULTICAST_RETRY_MS: '10',
    };
    const a = new NodeProcess({ id: 'a', env, httpHost: '127.0.0.1', httpPort: httpA! });
    const b = new NodeProcess({ id: 'b', env, httpHost: '127.0.0.1', httpPort: httpB! });
    nodes.push(a, b);
    await Promise.all([a.waitHealthy(), b.waitHealthy()]);
    // Whichever finished its discovery first may lead (start-up order varies); both must agree on it.
    await eventually(
      async () => {
        const [sa, sb] = [await a.state(), await b.state()];
        const leader = sa.ordering.sequencer;
        return (
          leader != null && sb.ordering.sequencer === leader && [sa, sb].some((s) => s.ordering.role === 'sequencer')
        );
      },
      async () => JSON.stringify([await a.state(), await b.state()]),
    );

    a.type('SET greeting hello world');
    a.type('SET n 1');
    b.type('SET n 2');
    await eventually(
      async () => (await b.state()).snapshot.applied === 3 && (await a.state()).snapshot.applied === 3,
      async () => JSON.stringify([await a.state(), await b.state()]),
    );
    const [sa, sb] = [await a.state(), await b.state()];
    expect(sb.snapshot.entries.greeting).toBe('hello world');
    expect(sa.snapshot.digest).toBe(sb.snapshot.digest);

    const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
    socket.setMulticastInterface('127.0.0.1');
    for (const junk of ['{"v":1,"t":"order"}', 'garbage', JSON.stringify({ v: 1, t: 'hb', from: 'evil', epoch: 99 })]) {
      await new Promise<void>((r) => socket.send(junk, groupPort!, '239.0.0.1', () => r()));
    }
    socket.close();
    await eventually(
      async () => /kverse_multicast_dropped_total\{reason="invalid"\} 2/.test(await b.metrics()),
      () => b.output,
    );
    expect(await b.metrics()).toMatch(/kverse_multicast_dropped_total\{reason="malformed"\} 1/);
    b.type('SET after junk');
    await eventually(
      async () => (await a.state()).snapshot.entries.after === 'junk',
      () => a.output,
    );

    a.type('EXIT');
    expect(await a.exited).toBe(0);
    expect(b.alive).toBe(true);
  });
});
