import dgram from 'node:dgram';
import { createLogger, type Logger } from '@kverse/runtime';
import { type MulticastNodeHandle, startMulticastNode } from './app.js';
import { defaultMulticastNodeConfig, type MulticastNodeConfig } from './config.js';

export interface LocalClusterOptions {
  readonly nodes: number;
  readonly ordering: 'none' | 'total';
  readonly transport?: 'multicast' | 'unicast';
  /**
   * Per-node delivery jitter (the fault wrapper's reorder, up to 3 ms). On one host the kernel hands every local
   * socket a datagram in the same order, so without it `none` would look ordered; a network does not.
   * @default 0
   */
  readonly jitter?: number;
  /** Seed of node i's fault generator is `seed + i`. @default 1 */
  readonly seed?: number;
  /** Overrides applied to every node's config. */
  readonly config?: Partial<MulticastNodeConfig>;
  /** @default a silent logger */
  readonly logger?: Logger;
}

/** N nodes in this process, over real UDP on the loopback interface, ids `n1…nN`. */
export interface LocalCluster {
  readonly handles: readonly MulticastNodeHandle[];
  /** Resolves when every `total` node follows the same active sequencer (at once for `none`). */
  ready(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts a local group for the lab, the benchmark and tests: a free port, the loopback interface (nothing leaves
 * the host), fast protocol timings, HTTP on ephemeral ports.
 */
export async function startLocalCluster(options: LocalClusterOptions): Promise<LocalCluster> {
  const transport = options.transport ?? 'multicast';
  const ports = await freeUdpPorts(transport === 'unicast' ? options.nodes : 1);
  const logger = options.logger ?? createLogger({ level: 'silent', name: 'multicast-lab' });
  const handles: MulticastNodeHandle[] = [];
  try {
    for (let i = 0; i < options.nodes; i++) {
      const config = defaultMulticastNodeConfig({
        nodeId: `n${i + 1}`,
        ordering: options.ordering,
        transport,
        port: ports[transport === 'unicast' ? i : 0]!,
        interface: '127.0.0.1',
        peers: transport === 'unicast' ? ports.map((p) => `127.0.0.1:${p}`) : [],
        httpHost: '127.0.0.1',
        httpPort: 0,
        heartbeatMs: 20,
        failureTimeoutMs: 300,
        retryMs: 10,
        faultReorder: options.jitter ?? 0,
        faultDelayMs: 3,
        faultSeed: (options.seed ?? 1) + i,
        repl: false,
        ...options.config,
      });
      handles.push(await startMulticastNode(config, { logger }));
    }
  } catch (err) {
    await Promise.all(handles.map((h) => h.close()));
    throw err;
  }
  return {
    handles,
    ready: (timeoutMs = 5000) => waitForSequencer(handles, timeoutMs),
    close: async () => {
      await Promise.all(handles.map((h) => h.close()));
    },
  };
}

async function waitForSequencer(handles: readonly MulticastNodeHandle[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const views = handles.map((h) => h.node.state().ordering);
    if (views.every((v) => v.mode === 'none')) return;
    const leaders = new Set(views.map((v) => v.sequencer));
    const active = views.some((v) => v.role === 'sequencer');
    if (active && leaders.size === 1 && !leaders.has(null)) return;
    if (Date.now() > deadline) throw new Error(`no agreed sequencer after ${timeoutMs} ms: ${JSON.stringify(views)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Ports that were free a moment ago (bound to 0 and released). */
export async function freeUdpPorts(count: number): Promise<number[]> {
  const sockets = await Promise.all(
    Array.from({ length: count }, () => {
      const s = dgram.createSocket('udp4');
      return new Promise<dgram.Socket>((resolve) => s.bind(0, '127.0.0.1', () => resolve(s)));
    }),
  );
  const ports = sockets.map((s) => s.address().port);
  await Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r()))));
  return ports;
}
