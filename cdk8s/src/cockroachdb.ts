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
import { componentNetworkPolicy, podDisruptionBudget } from './policy.js';
import { dataVolumeClaim } from './stateful.js';

const COMPONENT = 'cockroachdb';
const COCKROACH_UID = 1000;
/** Nodes named in `--join`: the first three are enough for any node to find the cluster. */
const JOIN_NODES = 3;

/**
 * Initialises the cluster once (`cockroach init` is refused harmlessly when already done) and creates the kverse
 * database and user.
 */
const INIT = `
set -eu
until out="$(cockroach init --insecure --host="$FIRST_NODE" 2>&1)" || echo "$out" | grep -q 'already been initialized'; do
  echo "$out"; sleep 5
done
cockroach sql --insecure --host="$PUBLIC" -e 'CREATE DATABASE IF NOT EXISTS kverse; CREATE USER IF NOT EXISTS kverse; GRANT ALL ON DATABASE kverse TO kverse;'
echo "cluster initialised; database kverse ready"
`.trim();

/**
 * CockroachDB: StatefulSet, headless Service (node-to-node), public Service (SQL clients), PDB, NetworkPolicy, an
 * init Job and the Secret with the SQL URL. The nodes run in insecure mode behind the NetworkPolicy, which admits
 * SQL only from the apps that use it; TLS with generated certificates is planned. Renders nothing when external.
 */
export class CockroachDatabase extends Construct {
  constructor(scope: Construct, id: string, props: ComponentProps) {
    super(scope, id);
    const { ctx } = props;
    const db = ctx.spec.database;
    if (db.mode !== 'managed') return;
    const name = objectName(ctx, COMPONENT);
    const publicName = objectName(ctx, COMPONENT, 'public');
    const selector = selectorLabels(ctx.instance, COMPONENT);
    const labels = commonLabels(ctx.instance, COMPONENT);
    new GeneratedSecret(this, 'credentials', {
      ctx,
      component: COMPONENT,
      template: { url: `postgresql://kverse@${publicName}:26257/kverse?sslmode=disable` },
    });
    const image = `cockroachdb/cockroach:${db.managed.version}`;
    const ports = [
      { name: 'grpc', port: 26257 },
      { name: 'http', port: 8080 },
    ];
    const servicePorts = ports.map((p) => ({ ...p, targetPort: p.name, protocol: 'TCP' }));

    new ApiObject(this, 'headless-service', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, labels },
      spec: { clusterIP: 'None', publishNotReadyAddresses: true, selector, ports: servicePorts },
    });
    new ApiObject(this, 'public-service', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: publicName, labels },
      spec: { type: 'ClusterIP', selector, ports: servicePorts },
    });

    const join = Array.from({ length: JOIN_NODES }, (_, i) => `${name}-${i}.${name}:26257`).join(',');
    new ApiObject(this, 'statefulset', {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name, labels },
      spec: {
        replicas: db.managed.replicas,
        serviceName: name,
        podManagementPolicy: 'Parallel',
        selector: { matchLabels: selector },
        template: {
          metadata: podMetadata(ctx.spec.podOverrides, labels),
          spec: {
            ...podSpecDefaults(ctx.spec.podOverrides, COCKROACH_UID),
            terminationGracePeriodSeconds: 60,
            topologySpreadConstraints: topologySpread(selector),
            containers: [
              {
                name: 'cockroachdb',
                image,
                imagePullPolicy: 'IfNotPresent',
                command: [
                  '/cockroach/cockroach',
                  'start',
                  '--insecure',
                  `--advertise-host=$(POD_NAME).${name}`,
                  '--listen-addr=:26257',
                  '--http-addr=:8080',
                  `--join=${join}`,
                  '--store=/cockroach/cockroach-data',
                  '--cache=25%',
                  '--max-sql-memory=25%',
                ],
                ports: ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: 'TCP' })),
                env: [...POD_IDENTITY_ENV, { name: 'COCKROACH_CHANNEL', value: 'kubernetes-kverse' }],
                resources: resources(db.managed.resources),
                securityContext: containerSecurityContext(),
                startupProbe: { httpGet: { path: '/health', port: 'http' }, periodSeconds: 5, failureThreshold: 60 },
                livenessProbe: { httpGet: { path: '/health', port: 'http' }, periodSeconds: 10, timeoutSeconds: 5 },
                readinessProbe: {
                  httpGet: { path: '/health?ready=1', port: 'http' },
                  periodSeconds: 5,
                  timeoutSeconds: 5,
                  failureThreshold: 2,
                },
                volumeMounts: [{ name: 'data', mountPath: '/cockroach/cockroach-data' }, TMP_MOUNT],
              },
            ],
            volumes: [TMP_VOLUME],
          },
        },
        volumeClaimTemplates: [dataVolumeClaim(db.managed)],
      },
    });

    const initComponent = `${COMPONENT}-init`;
    new ApiObject(this, 'init-job', {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: objectName(ctx, initComponent), labels: commonLabels(ctx.instance, initComponent) },
      spec: {
        backoffLimit: 20,
        template: {
          metadata: { labels: selectorLabels(ctx.instance, initComponent) },
          spec: {
            ...podSpecDefaults(ctx.spec.podOverrides, COCKROACH_UID),
            restartPolicy: 'OnFailure',
            containers: [
              {
                name: 'init',
                image,
                imagePullPolicy: 'IfNotPresent',
                command: ['sh', '-c', INIT],
                env: [
                  { name: 'FIRST_NODE', value: `${name}-0.${name}:26257` },
                  { name: 'PUBLIC', value: `${publicName}:26257` },
                ],
                resources: { requests: { cpu: '10m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
                securityContext: containerSecurityContext(),
                volumeMounts: [TMP_MOUNT],
              },
            ],
            volumes: [TMP_VOLUME],
          },
        },
      },
    });

    podDisruptionBudget(this, 'pdb', ctx, COMPONENT);
    componentNetworkPolicy(this, 'network-policy', {
      ctx,
      component: COMPONENT,
      ingress: [
        { ports: [{ port: 26257 }], components: ['api', 'consumer', 'grpc-kv', COMPONENT, initComponent] },
        { ports: [{ port: 8080 }] },
      ],
      egress: [{ ports: [{ port: 26257 }], components: [COMPONENT] }],
    });
    componentNetworkPolicy(this, 'init-network-policy', {
      ctx,
      component: initComponent,
      ingress: [],
      egress: [{ ports: [{ port: 26257 }], components: [COMPONENT] }],
    });
  }
}
