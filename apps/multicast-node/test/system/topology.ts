import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';

/** One simulated host: a network namespace with one address on a shared bridge (or, in fallback, loopback). */
export interface Host {
  readonly index: number;
  readonly netns?: string;
  readonly ip: string;
  /** UDP port of the node (namespaces: the same on every host; loopback: one per host). */
  readonly udpPort: number;
  readonly httpPort: number;
}

/** The name every namespace resolves to all hosts' addresses, as a Kubernetes headless Service does. */
export const PEERS_DNS_NAME = 'kverse-multicast';

export interface Topology {
  readonly kind: 'netns' | 'loopback';
  /** Why namespaces were not used (fallback only). */
  readonly reason?: string;
  readonly hosts: readonly Host[];
  /**
   * Drops each received UDP datagram with probability `p` on every host (iptables); false when that is not
   * possible (no iptables, or loopback), and loss must come from the fault wrapper.
   */
  setLoss(p: number): boolean;
  /** UDP datagrams the loss rules dropped so far, summed over hosts. */
  droppedByLoss(): number;
  destroy(): void;
}

const run = (cmd: string, args: string[]) =>
  execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 }).toString();
const quiet = (cmd: string, args: string[]) => {
  try {
    run(cmd, args);
  } catch {
    // cleaning up something that is not there
  }
};

/**
 * `n` hosts in network namespaces joined by veth pairs to one bridge (multicast snooping off, so the bridge floods
 * group traffic like a hub), each with a multicast route. The bridge has an address too, so the test process in
 * the root namespace reaches every node's HTTP side directly. Names carry this process's pid, so what a killed run
 * left behind is recognised (its pid is gone) and removed first.
 */
export function createNetnsTopology(n: number, subnet: number): Topology {
  sweepStale();
  const tag = `kvm${process.pid}`;
  const bridge = `${tag}br`;
  const nsName = (i: number) => `${tag}n${i}`;
  const destroy = () => {
    for (let i = 1; i <= 9; i++) {
      quiet('ip', ['netns', 'del', nsName(i)]);
      rmSync(`/etc/netns/${nsName(i)}`, { recursive: true, force: true });
    }
    quiet('ip', ['link', 'del', bridge]);
  };
  destroy();
  const hosts: Host[] = [];
  try {
    run('ip', ['link', 'add', bridge, 'type', 'bridge', 'mcast_snooping', '0']);
    run('ip', ['addr', 'add', `10.${subnet}.0.254/24`, 'dev', bridge]);
    run('ip', ['link', 'set', bridge, 'up']);
    for (let i = 1; i <= n; i++) {
      const ns = nsName(i);
      const veth = `${tag}v${i}`;
      const ip = `10.${subnet}.0.${i}`;
      run('ip', ['netns', 'add', ns]);
      run('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      run('ip', ['link', 'set', veth, 'master', bridge]);
      run('ip', ['link', 'set', veth, 'up']);
      run('ip', ['-n', ns, 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
      run('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
      run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      run('ip', ['-n', ns, 'route', 'add', '224.0.0.0/4', 'dev', 'eth0']);
      hosts.push({ index: i, netns: ns, ip, udpPort: 5007, httpPort: 8070 });
    }
    // `ip netns exec` bind-mounts /etc/netns/<ns>/hosts over /etc/hosts: every host then resolves PEERS_DNS_NAME
    // to all addresses, which exercises the DNS discovery path of the unicast transport.
    const records = hosts.map((h) => `${h.ip} ${PEERS_DNS_NAME}`).join('\n');
    for (const h of hosts) {
      mkdirSync(`/etc/netns/${h.netns}`, { recursive: true });
      writeFileSync(`/etc/netns/${h.netns}/hosts`, `127.0.0.1 localhost\n${records}\n`);
    }
  } catch (err) {
    destroy();
    throw err;
  }
  return {
    kind: 'netns',
    hosts,
    setLoss(p: number): boolean {
      // Without iptables the caller falls back to the nodes' fault wrapper for loss.
      if (!hasIptables()) return false;
      for (const h of hosts) {
        run('ip', ['netns', 'exec', h.netns!, 'iptables', '-F', 'INPUT']);
        if (p > 0) {
          run('ip', [
            'netns',
            'exec',
            h.netns!,
            'iptables',
            '-A',
            'INPUT',
            '-p',
            'udp',
            '-m',
            'statistic',
            '--mode',
            'random',
            '--probability',
            String(p),
            '-j',
            'DROP',
          ]);
        }
      }
      return true;
    },
    droppedByLoss(): number {
      let total = 0;
      for (const h of hosts) {
        const out = run('ip', ['netns', 'exec', h.netns!, 'iptables', '-L', 'INPUT', '-v', '-n', '-x']);
        for (const line of out.split('\n')) if (/DROP/.test(line)) total += Number(line.trim().split(/\s+/)[0]);
      }
      return total;
    },
    destroy,
  };
}

const STALE = /^kvm(\d+)(?:n\d+|br)$/;

/** Removes namespaces and bridges of earlier runs whose process no longer exists. */
function sweepStale(): void {
  const names = [
    ...run('ip', ['netns', 'list'])
      .split('\n')
      .map((l) => l.split(' ')[0] ?? ''),
    ...run('ip', ['-o', 'link', 'show', 'type', 'bridge'])
      .split('\n')
      .map((l) => l.split(': ')[1] ?? ''),
  ];
  for (const name of names) {
    const pid = STALE.exec(name)?.[1];
    if (!pid || processExists(Number(pid))) continue;
    if (name.endsWith('br')) quiet('ip', ['link', 'del', name]);
    else {
      quiet('ip', ['netns', 'del', name]);
      rmSync(`/etc/netns/${name}`, { recursive: true, force: true });
    }
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The fallback: every node on 127.0.0.1 with its own ports; loss has to come from the fault wrapper. */
export function loopbackTopology(
  n: number,
  reason: string,
  udpPorts: readonly number[],
  httpPorts: readonly number[],
): Topology {
  return {
    kind: 'loopback',
    reason,
    hosts: Array.from({ length: n }, (_, k) => ({
      index: k + 1,
      ip: '127.0.0.1',
      udpPort: udpPorts[k]!,
      httpPort: httpPorts[k]!,
    })),
    setLoss: () => false,
    droppedByLoss: () => 0,
    destroy: () => {},
  };
}

/** Whether iptables is usable inside a namespace (the test.d hook installs it). */
export function hasIptables(): boolean {
  try {
    run('iptables', ['--version']);
    return true;
  } catch {
    return false;
  }
}
