import { API_VERSION } from '@kverse/crd';
import { type ConfigOf, defineConfig, setting, T } from '@kverse/runtime';
import { Type } from 'typebox';

/** The operator's settings, from the environment (the chart sets POD_NAME and POD_NAMESPACE). */
export const operatorConfigSpec = defineConfig({
  kubeconfig: setting(
    'KUBECONFIG',
    Type.Optional(Type.String({ minLength: 1 })),
    'kubeconfig file; unset uses the in-cluster service account',
  ),
  podName: setting(
    'POD_NAME',
    Type.String({ default: '' }),
    'this replica’s identity in leader election; empty: host name and pid',
  ),
  podNamespace: setting(
    'POD_NAMESPACE',
    Type.String({ default: 'kverse-system' }),
    'namespace of the leader-election Lease',
  ),
  kvstoreApiVersion: setting(
    'KVSTORE_API_VERSION',
    Type.Literal(API_VERSION, { default: API_VERSION }),
    'KVStore API version the chart deployed this operator for; a mismatch (chart and image from different releases) stops start-up',
  ),
  metricsPort: setting('KVERSE_OPERATOR_METRICS_PORT', T.port(8080), 'port of GET /metrics (0: any free port)'),
  healthPort: setting(
    'KVERSE_OPERATOR_HEALTH_PORT',
    T.port(8081),
    'port of GET /healthz and /readyz (0: any free port)',
  ),
  logLevel: setting('KVERSE_LOG_LEVEL', Type.String({ default: 'info' }), 'pino log level'),
  workers: setting(
    'KVERSE_OPERATOR_WORKERS',
    Type.Integer({ default: 4, minimum: 1, maximum: 64 }),
    'KVStores reconciled concurrently',
  ),
  resyncSeconds: setting(
    'KVERSE_OPERATOR_RESYNC_SECONDS',
    Type.Integer({ default: 300, minimum: 1 }),
    'every KVStore is reconciled at least this often, even without events',
  ),
  watchTimeoutSeconds: setting(
    'KVERSE_OPERATOR_WATCH_TIMEOUT_SECONDS',
    Type.Integer({ default: 300, minimum: 1 }),
    'server-side timeout of each watch; the watchdog relists after this plus a grace period of silence',
  ),
  leaderElection: setting(
    'KVERSE_OPERATOR_LEADER_ELECTION',
    Type.Boolean({ default: true }),
    'elect one leader among the replicas on a Lease; false only for a single replica',
  ),
  leaseName: setting('KVERSE_OPERATOR_LEASE_NAME', Type.String({ default: 'kverse-operator' }), 'name of the Lease'),
  leaseDurationSeconds: setting(
    'KVERSE_OPERATOR_LEASE_DURATION_SECONDS',
    Type.Integer({ default: 15, minimum: 2 }),
    'how long an unrenewed Lease blocks other replicas',
  ),
  retryBaseMs: setting(
    'KVERSE_OPERATOR_RETRY_BASE_MS',
    Type.Integer({ default: 500, minimum: 1 }),
    'first retry delay of a failed reconcile; doubles per failure',
  ),
  retryMaxMs: setting(
    'KVERSE_OPERATOR_RETRY_MAX_MS',
    Type.Integer({ default: 60_000, minimum: 1 }),
    'longest retry delay of a failed reconcile',
  ),
});

export type OperatorConfig = ConfigOf<typeof operatorConfigSpec>;
