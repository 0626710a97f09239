import { API_VERSION, DEFAULT_APP_VERSION, GROUP, PLURAL } from '@kverse/crd';
import { ApiObject, Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { type Static, Type } from 'typebox';
import { Value } from 'typebox/value';
import { DASHBOARDS, grafanaJson } from './dashboards.js';
import { commonLabels, selectorLabels } from './labels.js';
import {
  containerSecurityContext,
  POD_IDENTITY_ENV,
  podSecurityContext,
  TMP_MOUNT,
  TMP_VOLUME,
  topologySpread,
} from './pod.js';

/** What the kverse-operator chart lets a user change (its values.yaml and values.schema.json come from this). */
export const OperatorSettingsSchema = Type.Object({
  version: Type.String({
    default: DEFAULT_APP_VERSION,
    pattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$',
    not: { const: 'latest' },
    description: 'Tag of the kverse/operator image.',
  }),
  image: Type.Object(
    {
      registry: Type.String({ default: '', description: 'Registry prefix; empty uses the runtime default.' }),
      repository: Type.String({
        default: 'kverse',
        minLength: 1,
        description: 'Repository prefix of kverse/operator.',
      }),
    },
    { default: {}, description: 'Where the operator image comes from.' },
  ),
  replicas: Type.Integer({ default: 2, minimum: 1, maximum: 5, description: 'Operator replicas; one leads (Lease).' }),
  resources: Type.Object(
    {
      requests: Type.Record(Type.String(), Type.String(), {
        default: { cpu: '50m', memory: '128Mi' },
        description: 'Resources the scheduler reserves.',
      }),
      limits: Type.Record(Type.String(), Type.String(), {
        default: { cpu: '500m', memory: '512Mi' },
        description: 'Hard limits (cpu and memory).',
      }),
    },
    { default: {}, description: 'Compute resources of the operator container.' },
  ),
  monitoring: Type.Object(
    {
      serviceMonitor: Type.Boolean({ default: false, description: 'Create a ServiceMonitor (Prometheus Operator).' }),
      dashboard: Type.Boolean({ default: false, description: 'Ship the Grafana dashboard ConfigMap.' }),
    },
    { default: {}, description: 'Metrics scraping and dashboard.' },
  ),
});

export type OperatorSettings = Static<typeof OperatorSettingsSchema>;

export interface KVerseOperatorChartProps {
  /** Name prefix of every object. @default 'kverse-operator' */
  readonly name?: string;
  /** Namespace the operator runs in (the ClusterRoleBinding's subject needs it). @default 'kverse-system' */
  readonly namespace?: string;
  /** Chart settings; missing fields take their defaults. @default {} */
  readonly settings?: Partial<OperatorSettings>;
}

const METRICS_PORT = 8080;
const HEALTH_PORT = 8081;

/**
 * The operator's own objects (the CRD ships separately, from packages/crd): ServiceAccount, ClusterRole for
 * exactly the kinds KVersePlatform creates plus KVStores, Lease-based leader election, Deployment, metrics
 * Service, PDB, NetworkPolicy, optional ServiceMonitor and dashboard.
 */
export class KVerseOperatorChart extends Chart {
  constructor(scope: Construct, id: string, props: KVerseOperatorChartProps = {}) {
    super(scope, id, { disableResourceNameHashes: true });
    const s = Value.Default(OperatorSettingsSchema, structuredClone(props.settings ?? {})) as OperatorSettings;
    const name = props.name ?? 'kverse-operator';
    const namespace = props.namespace ?? 'kverse-system';
    const component = 'operator';
    const labels = { ...commonLabels(name, component), 'app.kubernetes.io/version': s.version };
    const selector = selectorLabels(name, component);
    const image = `${s.image.registry ? `${s.image.registry}/` : ''}${s.image.repository}/operator:${s.version}`;

    new ApiObject(this, 'service-account', {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name, labels },
    });
    const all = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
    new ApiObject(this, 'cluster-role', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name, labels },
      rules: [
        { apiGroups: [GROUP], resources: [PLURAL], verbs: ['get', 'list', 'watch', 'update', 'patch'] },
        {
          apiGroups: [GROUP],
          resources: [`${PLURAL}/status`, `${PLURAL}/finalizers`],
          verbs: ['get', 'update', 'patch'],
        },
        { apiGroups: ['apps'], resources: ['deployments', 'statefulsets'], verbs: all },
        { apiGroups: [''], resources: ['services', 'configmaps', 'serviceaccounts', 'secrets'], verbs: all },
        { apiGroups: [''], resources: ['persistentvolumeclaims'], verbs: ['get', 'list', 'watch', 'delete'] },
        // The RabbitMQ Role grants `get endpoints`; RBAC lets the operator grant only what it holds itself.
        { apiGroups: [''], resources: ['endpoints', 'pods'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
        { apiGroups: ['batch'], resources: ['jobs'], verbs: all },
        { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: all },
        { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: all },
        { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: all },
        { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'], verbs: all },
        { apiGroups: ['monitoring.coreos.com'], resources: ['servicemonitors'], verbs: all },
      ],
    });
    new ApiObject(this, 'cluster-role-binding', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    });
    new ApiObject(this, 'leader-election-role', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: `${name}-leader-election`, labels },
      rules: [
        {
          apiGroups: ['coordination.k8s.io'],
          resources: ['leases'],
          verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'],
        },
      ],
    });
    new ApiObject(this, 'leader-election-role-binding', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: `${name}-leader-election`, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${name}-leader-election` },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    });

    new ApiObject(this, 'deployment', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, labels },
      spec: {
        replicas: s.replicas,
        revisionHistoryLimit: 5,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels },
          spec: {
            enableServiceLinks: false,
            serviceAccountName: name,
            securityContext: podSecurityContext(1000),
            terminationGracePeriodSeconds: 30,
            topologySpreadConstraints: topologySpread(selector),
            containers: [
              {
                name: 'operator',
                image,
                imagePullPolicy: 'IfNotPresent',
                ports: [
                  { name: 'metrics', containerPort: METRICS_PORT, protocol: 'TCP' },
                  { name: 'health', containerPort: HEALTH_PORT, protocol: 'TCP' },
                ],
                env: [...POD_IDENTITY_ENV, { name: 'KVSTORE_API_VERSION', value: API_VERSION }],
                resources: { requests: { ...s.resources.requests }, limits: { ...s.resources.limits } },
                securityContext: containerSecurityContext(),
                livenessProbe: { httpGet: { path: '/healthz', port: 'health' }, periodSeconds: 10, timeoutSeconds: 3 },
                readinessProbe: { httpGet: { path: '/readyz', port: 'health' }, periodSeconds: 5, timeoutSeconds: 3 },
                volumeMounts: [TMP_MOUNT],
              },
            ],
            volumes: [TMP_VOLUME],
          },
        },
      },
    });
    new ApiObject(this, 'service', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, labels },
      spec: { selector, ports: [{ name: 'metrics', port: METRICS_PORT, targetPort: 'metrics', protocol: 'TCP' }] },
    });
    new ApiObject(this, 'pdb', {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name, labels },
      spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
    });
    new ApiObject(this, 'network-policy', {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name, labels },
      spec: {
        podSelector: { matchLabels: selector },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ ports: [{ port: METRICS_PORT, protocol: 'TCP' }] }],
        egress: [
          { ports: [443, 6443].map((port) => ({ port, protocol: 'TCP' })) },
          {
            ports: [53].flatMap((port) => [
              { port, protocol: 'UDP' },
              { port, protocol: 'TCP' },
            ]),
          },
        ],
      },
    });
    if (s.monitoring.serviceMonitor) {
      new ApiObject(this, 'service-monitor', {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'ServiceMonitor',
        metadata: { name, labels },
        spec: { selector: { matchLabels: selector }, endpoints: [{ port: 'metrics', path: '/metrics' }] },
      });
    }
    if (s.monitoring.dashboard) {
      const d = DASHBOARDS.operator!;
      new ApiObject(this, 'dashboard', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `${name}-dashboard`, labels: { ...labels, grafana_dashboard: '1' } },
        data: { [`${d.uid}.json`]: grafanaJson(d) },
      });
    }
  }
}
