import { type Static, Type } from 'typebox';
import { type CelRule, PassThroughList, PassThroughObject, QuantityMap, StringMap } from './schema-helpers.js';

/**
 * The `spec` of a KVStore (kverse.dev/v1alpha1): the single source of truth for what a KVerse platform looks like.
 * The CRD's openAPIV3Schema, the TypeScript types, the Helm chart's values.schema.json and docs/kvstore-api.md are
 * all generated from the schemas in this file. Every field has a default, so `spec: {}` is a complete platform.
 */

const IMAGE_TAG = '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$';
const NOT_LATEST: CelRule = {
  rule: "self != 'latest'",
  message: 'pin a version: the tag latest is not reproducible',
};

/**
 * A StatefulSet's volume claim templates cannot change: a new size or class could never be applied, and the
 * operator would retry it forever. Existing claims are resized by editing them (where the StorageClass allows it).
 */
const FIXED_CLAIMS: CelRule = {
  rule: 'self == oldSelf',
  message:
    'cannot change once set: a StatefulSet keeps its volume claim templates; resize the PersistentVolumeClaims themselves',
};

/** Version of the KVerse app images this release of the schema deploys by default. */
export const DEFAULT_APP_VERSION = '0.1.0';

const ImageSpec = Type.Object(
  {
    registry: Type.String({
      default: '',
      maxLength: 253,
      description: 'Registry host (and port) prefixed to every KVerse image; empty uses the container runtime default.',
    }),
    repository: Type.String({
      default: 'kverse',
      minLength: 1,
      maxLength: 200,
      pattern: '^[a-z0-9]+([._/-][a-z0-9]+)*$',
      description: 'Repository prefix: the api image is `<registry>/<repository>/api:<version>`.',
    }),
    pullPolicy: Type.Union([Type.Literal('IfNotPresent'), Type.Literal('Always'), Type.Literal('Never')], {
      default: 'IfNotPresent',
      description: 'Image pull policy of every KVerse container.',
    }),
    pullSecrets: Type.Array(Type.String({ minLength: 1, maxLength: 253 }), {
      default: [],
      maxItems: 16,
      description: 'Names of Secrets holding registry credentials.',
    }),
  },
  { default: {}, description: 'Where the KVerse app images come from.' },
);

const Resources = (requests: Record<string, string>, limits: Record<string, string>) =>
  Type.Object(
    {
      requests: QuantityMap('Resources the scheduler reserves (cpu, memory, ephemeral-storage).', requests),
      limits: QuantityMap('Hard limits; every container has cpu and memory limits.', limits),
    },
    {
      default: {},
      description: 'Compute resources of each container of this component.',
      'x-kubernetes-validations': [
        { rule: "'cpu' in self.limits && 'memory' in self.limits", message: 'limits must set cpu and memory' },
      ] satisfies CelRule[],
    },
  );

const Autoscaling = (min: number, max: number) =>
  Type.Object(
    {
      enabled: Type.Boolean({ default: true, description: 'Scale on CPU with a HorizontalPodAutoscaler.' }),
      minReplicas: Type.Integer({ default: min, minimum: 1, maximum: 100, description: 'Fewest replicas.' }),
      maxReplicas: Type.Integer({ default: max, minimum: 1, maximum: 100, description: 'Most replicas.' }),
      targetCPUUtilizationPercentage: Type.Integer({
        default: 70,
        minimum: 10,
        maximum: 100,
        description: 'Average CPU use, in percent of requests, the autoscaler aims for.',
      }),
    },
    {
      default: {},
      description: 'CPU autoscaling (seed 001). When enabled, `replicas` is only the starting size.',
      'x-kubernetes-validations': [
        {
          rule: 'self.minReplicas <= self.maxReplicas',
          message: 'autoscaling.minReplicas must not exceed maxReplicas',
          fieldPath: '.minReplicas',
        },
      ] satisfies CelRule[],
    },
  );

const appSpec = (description: string, replicas: number, min: number, max: number) =>
  Type.Object(
    {
      enabled: Type.Boolean({ default: true, description: 'Deploy this app.' }),
      replicas: Type.Integer({ default: replicas, minimum: 0, maximum: 100, description: 'Replicas.' }),
      autoscaling: Autoscaling(min, max),
      resources: Resources({ cpu: '100m', memory: '128Mi' }, { cpu: '1', memory: '512Mi' }),
    },
    { default: {}, description },
  );

const MulticastNodeSpec = Type.Object(
  {
    enabled: Type.Boolean({ default: true, description: 'Deploy the multicast nodes.' }),
    replicas: Type.Integer({ default: 3, minimum: 0, maximum: 32, description: 'Nodes (StatefulSet replicas).' }),
    ordering: Type.Union([Type.Literal('none'), Type.Literal('total')], {
      default: 'total',
      description: '`none`: arrival order, replicas may diverge (the seed); `total`: one order on every node.',
    }),
    resources: Resources({ cpu: '50m', memory: '64Mi' }, { cpu: '500m', memory: '256Mi' }),
  },
  {
    default: {},
    description:
      'Seed 003: replicated KV over UDP. Pods find each other through a headless Service (unicast fan-out), ' +
      'since most network plugins do not carry multicast.',
  },
);

const AppsSpec = Type.Object(
  {
    api: appSpec('REST API (seeds 001/002) on port 8000; also serves the web UI at /ui/.', 2, 2, 10),
    consumer: appSpec(
      'Write-queue consumers: apply writes to the database and the cache. They divide the 8 partitions of kv.writes ' +
        'among them, so replicas beyond 8 own none and only stand by (the autoscaler stops at 8 by default).',
      2,
      2,
      8,
    ),
    grpcKv: appSpec('gRPC KV front door (seed 000), kvstore.KvStore on port 50051.', 2, 2, 10),
    chat: appSpec('gRPC chat server (seed 004) on port 50052.', 2, 2, 10),
    multicastNode: MulticastNodeSpec,
  },
  { default: {}, description: 'The KVerse apps.' },
);

const ExternalSpec = (what: string, example: string) =>
  Type.Object(
    {
      secretName: Type.String({
        minLength: 1,
        maxLength: 253,
        pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
        description: `Secret in the KVStore's namespace holding the ${what} connection URL, credentials included.`,
      }),
      key: Type.String({
        default: 'url',
        minLength: 1,
        maxLength: 253,
        description: `Key of that Secret whose value is the URL, e.g. \`${example}\`.`,
      }),
    },
    { description: `An existing ${what} outside this KVStore.` },
  );

const backingService = (
  what: string,
  example: string,
  managed: { replicas: number; maxReplicas: number; storage: string; version: string; note: string },
  resources: { requests: Record<string, string>; limits: Record<string, string> },
) =>
  Type.Object(
    {
      mode: Type.Union([Type.Literal('managed'), Type.Literal('external')], {
        default: 'managed',
        description: '`managed`: deployed and credentialed by KVerse; `external`: use `external.secretName`.',
      }),
      managed: Type.Object(
        {
          replicas: Type.Integer({
            default: managed.replicas,
            minimum: 1,
            maximum: managed.maxReplicas,
            description: `Pods. ${managed.note}`,
          }),
          storage: Type.String({
            default: managed.storage,
            pattern: '^[0-9]+(Mi|Gi|Ti)$',
            description: 'Size of each pod’s PersistentVolumeClaim. Fixed once set: resize the claims themselves.',
            'x-kubernetes-validations': [FIXED_CLAIMS],
          }),
          storageClassName: Type.String({
            default: '',
            maxLength: 253,
            description: 'StorageClass of the claims; empty uses the cluster default. Fixed once set.',
            'x-kubernetes-validations': [FIXED_CLAIMS],
          }),
          version: Type.String({
            default: managed.version,
            pattern: IMAGE_TAG,
            description: 'Image tag of the upstream server.',
            'x-kubernetes-validations': [NOT_LATEST],
          }),
          resources: Resources(resources.requests, resources.limits),
        },
        { default: {}, description: `The ${what} KVerse deploys.` },
      ),
      external: Type.Optional(ExternalSpec(what, example)),
    },
    {
      default: {},
      description: `The ${what}: managed by KVerse or an external endpoint.`,
      'x-kubernetes-validations': [
        {
          rule: "self.mode != 'external' || has(self.external)",
          message: 'mode external needs external.secretName',
          fieldPath: '.external',
        },
      ] satisfies CelRule[],
    },
  );

const CacheSpec = backingService(
  'Redis cache',
  'redis://:password@redis.example:6379/0',
  {
    replicas: 3,
    maxReplicas: 9,
    storage: '1Gi',
    version: '7.4.2-alpine',
    note: 'One primary, the rest replicas; every pod runs a Sentinel (quorum: a majority).',
  },
  { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } },
);

const QueueSpec = backingService(
  'RabbitMQ write queue',
  'amqp://user:password@rabbitmq.example:5672/',
  {
    replicas: 3,
    maxReplicas: 9,
    storage: '2Gi',
    version: '4.0.5-management-alpine',
    note: 'Quorum queues need 3 for a majority to survive one loss.',
  },
  { requests: { cpu: '200m', memory: '512Mi' }, limits: { cpu: '2', memory: '1Gi' } },
);

const DatabaseSpec = backingService(
  'CockroachDB database',
  'postgresql://kverse:password@db.example:26257/kverse?sslmode=verify-full',
  {
    replicas: 3,
    maxReplicas: 15,
    storage: '10Gi',
    version: 'v24.3.5',
    note: 'Ranges replicate 3 ways, so 3 survives one loss.',
  },
  { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '2', memory: '4Gi' } },
);

const PodOverrides = Type.Object(
  {
    labels: StringMap('Extra labels on every pod.'),
    annotations: StringMap('Extra annotations on every pod.'),
    nodeSelector: StringMap('Node selector of every pod.'),
    tolerations: PassThroughList<Record<string, unknown>>('Tolerations of every pod (core/v1 Toleration).'),
    affinity: PassThroughObject<Record<string, unknown>>('Affinity of every pod (core/v1 Affinity).'),
  },
  { default: {}, description: 'Applied to every pod the KVStore creates.' },
);

const MonitoringSpec = Type.Object(
  {
    serviceMonitors: Type.Object(
      {
        enabled: Type.Boolean({
          default: false,
          description: 'Create ServiceMonitors (needs the Prometheus Operator CRDs).',
        }),
        interval: Type.String({ default: '30s', pattern: '^[0-9]+(ms|s|m)$', description: 'Scrape interval.' }),
        labels: StringMap('Extra labels, e.g. the `release` your Prometheus selects.'),
      },
      { default: {}, description: 'Prometheus Operator scrape configuration.' },
    ),
    dashboards: Type.Object(
      {
        enabled: Type.Boolean({
          default: false,
          description: "Ship Grafana dashboards in ConfigMaps labelled for Grafana's sidecar.",
        }),
        label: Type.String({
          default: 'grafana_dashboard',
          minLength: 1,
          description: 'Label the Grafana sidecar watches (value `1`).',
        }),
      },
      { default: {}, description: 'Grafana dashboards.' },
    ),
    tracing: Type.Object(
      {
        otlpEndpoint: Type.String({
          default: '',
          pattern: '^(https?://[^/\\s:]+(:[0-9]{1,5})?/?)?$',
          description:
            'OTLP/HTTP endpoint (an OpenTelemetry collector, Jaeger or Tempo, e.g. `http://otel-collector.observability:4318`) every app exports traces to; empty: tracing off (docs/tracing.md).',
        }),
        sampleRatio: Type.Number({
          default: 1,
          minimum: 0,
          maximum: 1,
          description:
            'Fraction of new traces recorded; a request that arrives with a `traceparent` follows its caller’s decision.',
        }),
      },
      { default: {}, description: 'OpenTelemetry traces.' },
    ),
  },
  { default: {}, description: 'Metrics scraping, dashboards and traces.' },
);

const AuthSpec = Type.Object(
  {
    enabled: Type.Boolean({
      default: true,
      description:
        'Require a bearer token on the REST and gRPC KV front doors (health, metrics, docs and the web UI stay open).',
    }),
    tokensSecretRef: Type.Optional(
      Type.Object(
        {
          name: Type.String({
            minLength: 1,
            maxLength: 253,
            pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
            description: "Secret in the KVStore's namespace.",
          }),
          key: Type.String({
            default: 'tokens',
            minLength: 1,
            maxLength: 253,
            description: 'Key whose value lists the accepted tokens, one `id:scope:sha256hex` entry a line.',
          }),
        },
        {
          description:
            'Your own tokens Secret (entries made by `kverse token create`). Unset: KVerse generates ' +
            '`<name>-auth-tokens` with one write token, `admin`, whose plain value is in its key `admin-token`.',
        },
      ),
    ),
  },
  { default: {}, description: 'Bearer-token access to the front doors (docs/auth.md).' },
);

export const KVStoreSpecSchema = Type.Object(
  {
    version: Type.String({
      default: DEFAULT_APP_VERSION,
      pattern: IMAGE_TAG,
      description: 'Tag of the KVerse app images.',
      'x-kubernetes-validations': [NOT_LATEST],
    }),
    image: ImageSpec,
    apps: AppsSpec,
    cache: CacheSpec,
    queue: QueueSpec,
    database: DatabaseSpec,
    podOverrides: PodOverrides,
    monitoring: MonitoringSpec,
    auth: AuthSpec,
    paused: Type.Boolean({
      default: false,
      description: 'Stop reconciling: the operator leaves every object as it is until this is false again.',
    }),
  },
  { default: {}, description: 'Desired state of a KVerse platform.' },
);

/** A KVStore spec with every default applied (what the API server stores and the constructs consume). */
export type KVStoreSpec = Static<typeof KVStoreSpecSchema>;
export type AppSpec = KVStoreSpec['apps']['api'];
export type AppName = keyof KVStoreSpec['apps'];
export type BackingServiceSpec = KVStoreSpec['cache'];
export type ResourcesSpec = AppSpec['resources'];
export type PodOverridesSpec = KVStoreSpec['podOverrides'];
export type AuthSpec = KVStoreSpec['auth'];

/** What a user writes: any field may be left out. */
export type KVStoreSpecInput = DeepPartial<KVStoreSpec>;
export type DeepPartial<T> = T extends readonly (infer U)[]
  ? U[]
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;
