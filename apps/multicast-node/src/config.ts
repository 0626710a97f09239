import { type ConfigOf, defineConfig, logLevelSetting, parseConfig, setting, T } from '@kverse/runtime';
import { Type } from 'typebox';

/**
 * Settings of a multicast node. The first four keep the seed's names and defaults; the rest are KVerse's.
 * Times are in milliseconds. `parseConfig(multicastNodeConfig, process.env)` turns them into a
 * {@link MulticastNodeConfig}; tests and the lab build that object directly.
 */
export const multicastNodeConfig = defineConfig({
  group: setting('MULTICAST_GROUP', Type.String({ format: 'ipv4', default: '239.0.0.1' }), 'IPv4 multicast group'),
  port: setting('MULTICAST_PORT', T.port(5007), 'UDP port of the group (and of every peer in unicast mode)'),
  ttl: setting(
    'MULTICAST_TTL',
    Type.Integer({ minimum: 0, maximum: 255, default: 1 }),
    'multicast TTL (1: one subnet)',
  ),
  nodeId: setting(
    'NODE_ID',
    Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' })),
    'node id; a random short id when unset',
  ),
  ordering: setting(
    'ORDERING',
    Type.Union([Type.Literal('none'), Type.Literal('total')], { default: 'none' }),
    'none: apply in arrival order (the seed; replicas may diverge); total: one order on every node',
  ),
  transport: setting(
    'MULTICAST_TRANSPORT',
    Type.Union([Type.Literal('multicast'), Type.Literal('unicast')], { default: 'multicast' }),
    'multicast: IP multicast to the group; unicast: one datagram per peer (for clusters without pod multicast)',
  ),
  interface: setting(
    'MULTICAST_INTERFACE',
    Type.Optional(Type.String({ format: 'ipv4' })),
    'local IPv4 address whose interface joins the group and sends (unset: the route to the group decides)',
  ),
  peers: setting(
    'MULTICAST_PEERS',
    Type.Array(Type.String({ pattern: '^[^\\s:]+(:[0-9]{1,5})?$' }), { default: [] }),
    'unicast mode: peers as host[:port], comma-separated (port defaults to MULTICAST_PORT)',
  ),
  peersDns: setting(
    'MULTICAST_PEERS_DNS',
    Type.Optional(Type.String({ minLength: 1 })),
    'unicast mode: a DNS name whose A records are the peers (a Kubernetes headless Service), re-resolved',
  ),
  peersRefreshMs: setting(
    'MULTICAST_PEERS_REFRESH_MS',
    Type.Integer({ minimum: 100, default: 5000 }),
    'unicast mode: how often the DNS name is re-resolved',
  ),
  maxDatagramBytes: setting(
    'MULTICAST_MAX_DATAGRAM_BYTES',
    Type.Integer({ minimum: 512, maximum: 65507, default: 8192 }),
    'larger datagrams are not sent and are dropped on receipt',
  ),
  recvBufferBytes: setting(
    'MULTICAST_RECV_BUFFER_BYTES',
    Type.Integer({ minimum: 65536, default: 4 * 1024 * 1024 }),
    'socket receive buffer (the kernel caps it at net.core.rmem_max); a small one loses datagrams in bursts',
  ),
  heartbeatMs: setting('MULTICAST_HEARTBEAT_MS', Type.Integer({ minimum: 5, default: 100 }), 'total: heartbeat period'),
  failureTimeoutMs: setting(
    'MULTICAST_FAILURE_TIMEOUT_MS',
    Type.Integer({ minimum: 20, default: 1000 }),
    'total: a member silent this long is considered failed (sequencer failover starts)',
  ),
  retryMs: setting(
    'MULTICAST_RETRY_MS',
    Type.Integer({ minimum: 2, default: 50 }),
    'total: resend period of unordered commands and of retransmission requests',
  ),
  httpPort: setting('MULTICAST_HTTP_PORT', T.port(8070), 'HTTP port for /state, /metrics, /health and POST /command'),
  httpHost: setting('MULTICAST_HTTP_HOST', Type.String({ default: '0.0.0.0' }), 'HTTP bind address'),
  repl: setting('MULTICAST_REPL', Type.Boolean({ default: true }), 'read commands from stdin'),
  logLevel: logLevelSetting,
  faultDrop: setting(
    'MULTICAST_FAULT_DROP',
    Type.Number({ minimum: 0, maximum: 1, default: 0 }),
    'testing: probability of dropping a received datagram',
  ),
  faultDuplicate: setting(
    'MULTICAST_FAULT_DUPLICATE',
    Type.Number({ minimum: 0, maximum: 1, default: 0 }),
    'testing: probability of delivering a received datagram twice',
  ),
  faultReorder: setting(
    'MULTICAST_FAULT_REORDER',
    Type.Number({ minimum: 0, maximum: 1, default: 0 }),
    'testing: probability of holding a received datagram back so later ones overtake it',
  ),
  faultDelayMs: setting(
    'MULTICAST_FAULT_DELAY_MS',
    Type.Integer({ minimum: 0, default: 5 }),
    'testing: longest hold-back of a reordered datagram',
  ),
  faultSeed: setting('MULTICAST_FAULT_SEED', Type.Integer({ default: 1 }), 'testing: seed of the fault RNG'),
});

export type MulticastNodeConfig = ConfigOf<typeof multicastNodeConfig>;

/** A config with every default applied, for tests and the lab. */
export function defaultMulticastNodeConfig(overrides: Partial<MulticastNodeConfig> = {}): MulticastNodeConfig {
  return { ...parseConfig(multicastNodeConfig, {}), ...overrides };
}
