import { randomBytes } from 'node:crypto';
import type { Logger } from '@kverse/runtime';
import { Registry } from 'prom-client';
import type { MulticastNodeConfig } from './config.js';
import { FaultTransport, hasFaults } from './fault-transport.js';
import { startHttpServer } from './http-server.js';
import { MulticastNode } from './node.js';
import { NodeMetrics } from './node-metrics.js';
import type { Transport } from './transport.js';
import { openUdpMulticastTransport } from './udp-multicast-transport.js';
import { openUdpUnicastTransport } from './udp-unicast-transport.js';

export interface MulticastNodeDeps {
  readonly logger: Logger;
  /** Registry for the node's metrics; one node per registry. @default a new registry */
  readonly metrics?: Registry;
  /** Use this transport instead of opening the configured one (tests, in-memory networks). */
  readonly transport?: Transport;
}

/** A running node: its replica, its HTTP port, and how to stop both. */
export interface MulticastNodeHandle {
  readonly node: MulticastNode;
  /** The bound HTTP port (useful when the config asked for port 0). */
  readonly httpPort: number;
  readonly registry: Registry;
  /** Stops HTTP, the ordering layer and the transport; idempotent. */
  close(): Promise<void>;
}

/**
 * Starts one node from a typed config: opens the transport (with the fault wrapper if the config asks for faults),
 * starts the ordering layer and the HTTP side. This is what `main.ts` runs and what the all-in-one launcher
 * calls in-process; it reads no environment and installs no signal handlers.
 */
export async function startMulticastNode(
  config: MulticastNodeConfig,
  deps: MulticastNodeDeps,
): Promise<MulticastNodeHandle> {
  const nodeId = config.nodeId ?? randomBytes(3).toString('hex');
  const { logger } = deps;
  const registry = deps.metrics ?? new Registry();
  let transport = deps.transport ?? (await openTransport(config, logger));
  const faults = {
    drop: config.faultDrop,
    duplicate: config.faultDuplicate,
    reorder: config.faultReorder,
    maxDelayMs: config.faultDelayMs,
    seed: config.faultSeed,
  };
  if (hasFaults(faults)) {
    logger.warn({ node: nodeId, faults }, 'fault injection is on: received datagrams are damaged on purpose');
    transport = new FaultTransport(transport, faults);
  }
  const node = new MulticastNode({
    nodeId,
    ordering: config.ordering,
    transport,
    maxDatagramBytes: config.maxDatagramBytes,
    timing: { heartbeatMs: config.heartbeatMs, failureTimeoutMs: config.failureTimeoutMs, retryMs: config.retryMs },
    logger,
    metrics: new NodeMetrics(registry),
  }).start();
  let http: Awaited<ReturnType<typeof startHttpServer>>;
  try {
    http = await startHttpServer(node, { host: config.httpHost, port: config.httpPort, registry, logger });
  } catch (err) {
    await node.close();
    throw err;
  }
  logger.info({ node: nodeId, httpPort: http.port }, 'multicast node http listening');
  let closing: Promise<void> | undefined;
  return {
    node,
    httpPort: http.port,
    registry,
    close: () => {
      closing ??= http.close().then(() => node.close());
      return closing;
    },
  };
}

function openTransport(config: MulticastNodeConfig, logger: Logger): Promise<Transport> {
  if (config.transport === 'unicast') {
    return openUdpUnicastTransport({
      port: config.port,
      bindAddress: config.interface,
      peers: config.peers,
      peersDns: config.peersDns,
      refreshMs: config.peersRefreshMs,
      recvBufferBytes: config.recvBufferBytes,
      logger,
    });
  }
  return openUdpMulticastTransport({
    group: config.group,
    port: config.port,
    ttl: config.ttl,
    interface: config.interface,
    recvBufferBytes: config.recvBufferBytes,
    logger,
  });
}
