export { type MulticastNodeDeps, type MulticastNodeHandle, startMulticastNode } from './app.js';
export { defaultMulticastNodeConfig, type MulticastNodeConfig, multicastNodeConfig } from './config.js';
export { type FaultCounts, type FaultOptions, FaultTransport } from './fault-transport.js';
export { type LocalCluster, type LocalClusterOptions, startLocalCluster } from './local-cluster.js';
export { MemoryNetwork } from './memory-transport.js';
export {
  formatLabResult,
  type MulticastLabOptions,
  type MulticastLabResult,
  runMulticastLab,
} from './multicast-lab.js';
export { MulticastNode, type NodeState } from './node.js';
export type { Delivery, OrderingLayer } from './ordering.js';
export type { Snapshot } from './replica.js';
export type { Transport } from './transport.js';
export type { Command, Datagram } from './wire.js';
