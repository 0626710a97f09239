import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { type ComponentProps, objectName } from './context.js';
import { GeneratedSecret } from './credentials.js';
import { commonLabels, selectorLabels } from './labels.js';
import {
  containerSecurityContext,
  POD_IDENTITY_ENV,
  podMetadata,
  podSpecDefaults,
  resources,
  TMP_MOUNT,
  TMP_VOLUME,
  topologySpread,
} from './pod.js';
import { componentNetworkPolicy, KUBE_API_PORTS, podDisruptionBudget } from './policy.js';
import { dataVolumeClaim, execProbe } from './stateful.js';

const COMPONENT = 'rabbitmq';
const RABBITMQ_UID = 999;

/**
 * Plugins: Kubernetes peer discovery, Prometheus metrics, management (for operators) and the consistent-hash
 * exchange the write path uses to route each key to one queue, which keeps writes to one key in order.
 */
export const RABBITMQ_PLUGINS = [
  'rabbitmq_peer_discovery_k8s',
  'rabbitmq_prometheus',
  'rabbitmq_management',
  'rabbitmq_consistent_hash_exchange',
] as const;

function rabbitmqConf(headless: string): string {
  return [
    'cluster_formation.peer_discovery_backend = rabbit_peer_discovery_k8s',
    'cluster_formation.k8s.host = kubernetes.default.svc',
    'cluster_formation.k8s.address_type = hostname',
    `cluster_formation.k8s.service_name = ${headless}`,
    `cluster_formation.k8s.hostname_suffix = .${headless}.__NAMESPACE__.svc.cluster.local`,
    'cluster_formation.node_cleanup.only_log_warning = true',
    // Quorum queues need a majority; a minority side pauses instead of diverging.
    'cluster_partition_handling = pause_minority',
    'queue_leader_locator = balanced',
    'default_user = kverse',
    'default_pass = __PASSWORD__',
    'loopback_users.guest = true',
    'listeners.tcp.default = 5672',
    'management.tcp.port = 15672',
    'prometheus.tcp.port = 15692',
    'log.console = true',
    'log.console.level = info',
    'log.file = false',
    'vm_memory_high_watermark.relative = 0.6',
    'disk_free_limit.absolute = 256MB',
    '',
  ].join('\n');
}

/** Fills the config template with the namespace and the generated password; installs the Erlang cookie. */
const CONFIGURE = `
set -eu
sed -e "s/__NAMESPACE__/$POD_NAMESPACE/" -e "s/__PASSWORD__/$RABBITMQ_PASSWORD/" /template/rabbitmq.conf >/config/rabbitmq.conf
cp /template/enabled_plugins /config/enabled_plugins
rm -f /var/lib/rabbitmq/.erlang.cookie
printf '%s' "$RABBITMQ_ERLANG_COOKIE_VALUE" >/var/lib/rabbitmq/.erlang.cookie
chmod 400 /var/lib/rabbitmq/.erlang.cookie
`.trim();

/**
 * A RabbitMQ cluster: StatefulSet with Kubernetes peer discovery (hence a ServiceAccount that may read the
 * headless Service's endpoints), a client Service, a headless Service, a PDB, a NetworkPolicy and generated
 * credentials (user password and Erlang cookie). The apps declare quorum queues themselves. Renders nothing when
 * the queue is external.
 */
export class RabbitMqQueue extends Construct {
  constructor(scope: Construct, id: string, props: ComponentProps) {
    super(scope, id);
    const { ctx } = props;
    const queue = ctx.spec.queue;
    if (queue.mode !== 'managed') return;
    const name = objectName(ctx, COMPONENT);
    const headless = objectName(ctx, COMPONENT, 'headless');
    const selector = selectorLabels(ctx.instance, COMPONENT);
    const labels = commonLabels(ctx.instance, COMPONENT);
    const secret = new GeneratedSecret(this, 'credentials', {
      ctx,
      component: COMPONENT,
      template: {
        username: 'kverse',
        password: '{password}',
        'erlang-cookie': '{cookie}',
        url: `amqp://kverse:{password}@${name}:5672/`,
      },
    });
    const image = `rabbitmq:${queue.managed.version}`;
    const fromSecret = (n: string, key: string) => ({
      name: n,
      valueFrom: { secretKeyRef: { name: secret.secretName, key } },
    });

    new ApiObject(this, 'service-account', {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name, labels },
      automountServiceAccountToken: false,
    });
    new ApiObject(this, 'role', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name, labels },
      rules: [{ apiGroups: [''], resources: ['endpoints'], verbs: ['get'] }],
    });
    new ApiObject(this, 'role-binding', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name }],
    });
    new ApiObject(this, 'config', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: objectName(ctx, COMPONENT, 'config'), labels },
      data: { 'rabbitmq.conf': rabbitmqConf(headless), enabled_plugins: `[${RABBITMQ_PLUGINS.join(',')}].\n` },
    });

    const ports = [
      { name: 'amqp', port: 5672 },
      { name: 'management', port: 15672 },
      { name: 'prometheus', port: 15692 },
    ];
    new ApiObject(this, 'service', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, labels },
      spec: {
        type: 'ClusterIP',
        selector,
        ports: ports.map((p) => ({ ...p, targetPort: p.name, protocol: 'TCP' })),
      },
    });
    new ApiObject(this, 'headless-service', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: headless, labels },
      spec: {
        clusterIP: 'None',
        publishNotReadyAddresses: true,
        selector,
        ports: [
          { name: 'epmd', port: 4369, targetPort: 4369, protocol: 'TCP' },
          { name: 'cluster', port: 25672, targetPort: 25672, protocol: 'TCP' },
        ],
      },
    });

    const mounts = [
      { name: 'data', mountPath: '/var/lib/rabbitmq' },
      { name: 'config', mountPath: '/config' },
      TMP_MOUNT,
    ];
    new ApiObject(this, 'statefulset', {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name, labels },
      spec: {
        replicas: queue.managed.replicas,
        serviceName: headless,
        podManagementPolicy: 'Parallel',
        selector: { matchLabels: selector },
        template: {
          metadata: podMetadata(ctx.spec.podOverrides, labels),
          spec: {
            ...podSpecDefaults(ctx.spec.podOverrides, RABBITMQ_UID),
            automountServiceAccountToken: true,
            serviceAccountName: name,
            terminationGracePeriodSeconds: 120,
            topologySpreadConstraints: topologySpread(selector),
            initContainers: [
              {
                name: 'configure',
                image,
                imagePullPolicy: 'IfNotPresent',
                command: ['sh', '-c', CONFIGURE],
                env: [
                  ...POD_IDENTITY_ENV,
                  fromSecret('RABBITMQ_PASSWORD', 'password'),
                  fromSecret('RABBITMQ_ERLANG_COOKIE_VALUE', 'erlang-cookie'),
                ],
                resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
                securityContext: containerSecurityContext(),
                volumeMounts: [...mounts, { name: 'template', mountPath: '/template' }],
              },
            ],
            containers: [
              {
                name: 'rabbitmq',
                image,
                imagePullPolicy: 'IfNotPresent',
                command: ['rabbitmq-server'],
                ports: [
                  ...ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: 'TCP' })),
                  { name: 'epmd', containerPort: 4369, protocol: 'TCP' },
                  { name: 'cluster', containerPort: 25672, protocol: 'TCP' },
                ],
                env: [
                  ...POD_IDENTITY_ENV,
                  { name: 'HOME', value: '/var/lib/rabbitmq' },
                  { name: 'RABBITMQ_USE_LONGNAME', value: 'true' },
                  {
                    name: 'RABBITMQ_NODENAME',
                    value: `rabbit@$(POD_NAME).${headless}.$(POD_NAMESPACE).svc.cluster.local`,
                  },
                  { name: 'RABBITMQ_CONFIG_FILE', value: '/config/rabbitmq.conf' },
                  { name: 'RABBITMQ_ENABLED_PLUGINS_FILE', value: '/config/enabled_plugins' },
                  { name: 'ERL_CRASH_DUMP', value: '/tmp/erl_crash.dump' },
                ],
                resources: resources(queue.managed.resources),
                securityContext: containerSecurityContext(),
                startupProbe: { tcpSocket: { port: 'amqp' }, periodSeconds: 10, failureThreshold: 60 },
                livenessProbe: execProbe('rabbitmq-diagnostics -q ping', 30, 20),
                readinessProbe: { tcpSocket: { port: 'amqp' }, periodSeconds: 10, timeoutSeconds: 5 },
                lifecycle: {
                  preStop: { exec: { command: ['rabbitmq-upgrade', 'await_online_quorum_plus_one', '-t', '90'] } },
                },
                volumeMounts: mounts,
              },
            ],
            volumes: [
              { name: 'config', emptyDir: {} },
              { name: 'template', configMap: { name: objectName(ctx, COMPONENT, 'config') } },
              TMP_VOLUME,
            ],
          },
        },
        volumeClaimTemplates: [dataVolumeClaim(queue.managed)],
      },
    });

    podDisruptionBudget(this, 'pdb', ctx, COMPONENT);
    componentNetworkPolicy(this, 'network-policy', {
      ctx,
      component: COMPONENT,
      ingress: [
        { ports: [{ port: 5672 }], components: ['api', 'consumer', 'grpc-kv'] },
        { ports: [{ port: 4369 }, { port: 25672 }, { port: 5672 }], components: [COMPONENT] },
        { ports: [{ port: 15692 }] },
      ],
      egress: [{ ports: [{ port: 4369 }, { port: 25672 }], components: [COMPONENT] }, { ports: KUBE_API_PORTS }],
    });
  }
}
