/**
 * The facts about each KVerse app the manifests depend on: ports, probes, environment, which backing services it
 * talks to. Collected in one table so a change in an app (a new port, a renamed variable) is one edit here.
 * Sources: apps/<app>/src/config.ts and DESIGN.md §1–§3.
 */

export type BackingServiceName = 'cache' | 'queue' | 'database';
export type FrontDoorAppName = 'api' | 'consumer' | 'grpcKv' | 'chat';

export interface PortDefinition {
  readonly name: string;
  readonly port: number;
  readonly protocol: 'TCP' | 'UDP';
  /** Reachable from outside the platform (a front door); otherwise only from the pods DESIGN.md §1 says. */
  readonly public: boolean;
}

export type Probe =
  | { readonly http: { readonly path: string; readonly port: string } }
  | { readonly grpc: { readonly port: number } };

export interface AppDefinition {
  /** Label `app.kubernetes.io/component` and object-name suffix. */
  readonly component: string;
  /** Image name under the repository prefix (`kverse/<image>`); built from `apps/<image>/Dockerfile`. */
  readonly image: string;
  readonly ports: readonly PortDefinition[];
  /** Port name Prometheus scrapes `/metrics` from. */
  readonly metricsPort: string;
  readonly liveness: Probe;
  readonly readiness: Probe;
  /** Fixed environment (never `KVERSE_*` variables the app does not know: its config rejects them). */
  readonly env: Readonly<Record<string, string>>;
  /** Backing services whose connection URL the app gets, with the variable each lands in. */
  readonly uses: Readonly<Partial<Record<BackingServiceName, string>>>;
  /** Writable folder for the embedded log engine (an emptyDir), when the app opens the data plane. */
  readonly dataDir?: string;
  /** A KV front door: gets the bearer-token settings and the tokens Secret (`spec.auth`). */
  readonly authenticates?: boolean;
}

const DATA_DIR = '/var/lib/kverse';

export const APPS: Readonly<Record<FrontDoorAppName, AppDefinition>> = {
  api: {
    component: 'api',
    image: 'api',
    ports: [{ name: 'http', port: 8000, protocol: 'TCP', public: true }],
    metricsPort: 'http',
    liveness: { http: { path: '/health', port: 'http' } },
    readiness: { http: { path: '/ready', port: 'http' } },
    env: { PORT: '8000', KVERSE_DATA_DIR: DATA_DIR },
    uses: { cache: 'REDIS_URL', queue: 'AMQP_URL', database: 'DATABASE_URL' },
    dataDir: DATA_DIR,
    authenticates: true,
  },
  consumer: {
    component: 'consumer',
    image: 'consumer',
    ports: [{ name: 'http', port: 8081, protocol: 'TCP', public: false }],
    metricsPort: 'http',
    liveness: { http: { path: '/health', port: 'http' } },
    readiness: { http: { path: '/ready', port: 'http' } },
    env: { KVERSE_CONSUMER_PORT: '8081' },
    uses: { cache: 'REDIS_URL', queue: 'AMQP_URL', database: 'DATABASE_URL' },
  },
  grpcKv: {
    component: 'grpc-kv',
    image: 'grpc-kv',
    ports: [
      { name: 'grpc', port: 50051, protocol: 'TCP', public: true },
      { name: 'metrics', port: 9451, protocol: 'TCP', public: false },
    ],
    metricsPort: 'metrics',
    liveness: { http: { path: '/health', port: 'metrics' } },
    readiness: { grpc: { port: 50051 } },
    env: { GRPC_KV_PORT: '50051', GRPC_KV_METRICS_PORT: '9451', KVERSE_DATA_DIR: DATA_DIR },
    uses: { cache: 'REDIS_URL', queue: 'AMQP_URL', database: 'DATABASE_URL' },
    dataDir: DATA_DIR,
    authenticates: true,
  },
  chat: {
    component: 'chat',
    image: 'chat',
    ports: [
      { name: 'grpc', port: 50052, protocol: 'TCP', public: true },
      { name: 'metrics', port: 9452, protocol: 'TCP', public: false },
    ],
    metricsPort: 'metrics',
    liveness: { http: { path: '/health', port: 'metrics' } },
    readiness: { grpc: { port: 50052 } },
    env: { CHAT_PORT: '50052', CHAT_METRICS_PORT: '9452' },
    uses: { cache: 'REDIS_URL' },
  },
};

/** The multicast node (seed 003): a StatefulSet whose pods find each other through a headless Service. */
export const MULTICAST_NODE = {
  component: 'multicast-node',
  image: 'multicast-node',
  udpPort: 5007,
  httpPort: 8070,
  env: { MULTICAST_TRANSPORT: 'unicast', MULTICAST_PORT: '5007', MULTICAST_HTTP_PORT: '8070', MULTICAST_REPL: 'false' },
} as const;

/** Component names of the backing services, by the KVStore field that configures them. */
export const BACKING_COMPONENTS: Readonly<Record<BackingServiceName, string>> = {
  cache: 'redis',
  queue: 'rabbitmq',
  database: 'cockroachdb',
};

/** Client ports of each managed backing service (what an app's NetworkPolicy egress allows). */
export const BACKING_CLIENT_PORTS: Readonly<Record<BackingServiceName, readonly number[]>> = {
  cache: [6379, 26379],
  queue: [5672],
  database: [26257],
};
