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
import { dataVolumeClaim, execProbe } from './stateful.js';

const COMPONENT = 'redis';
const REDIS_UID = 999;
/** Name of the master set Sentinel monitors. */
export const SENTINEL_MASTER_SET = 'kverse';

/**
 * Picks this pod's role before Redis starts: follow the master the Sentinels already know (after a failover that
 * may be any pod), else pod 0 is the first master. Writes redis.conf and sentinel.conf (Sentinel rewrites its own
 * file, so both live in an emptyDir); the password comes from the generated Secret and stays off the manifests.
 */
const CONFIGURE = `
set -eu
domain="$HEADLESS.$POD_NAMESPACE.svc.cluster.local"
me="$POD_NAME.$domain"
master=""
i=0
while [ "$i" -lt "$REPLICAS" ]; do
  peer="$STATEFULSET-$i.$domain"
  if [ "$peer" != "$me" ]; then
    master="$(timeout 3 redis-cli -h "$peer" -p 26379 sentinel get-master-addr-by-name "$MASTER_SET" 2>/dev/null | head -n1 || true)"
    [ -n "$master" ] && break
  fi
  i=$((i + 1))
done
[ -n "$master" ] || master="$STATEFULSET-0.$domain"
{
  echo "port 6379"
  echo "dir /data"
  echo "appendonly yes"
  echo "protected-mode no"
  echo "requirepass $REDIS_PASSWORD"
  echo "masterauth $REDIS_PASSWORD"
  echo "replica-announce-ip $me"
  [ "$master" = "$me" ] || echo "replicaof $master 6379"
} >/config/redis.conf
{
  echo "port 26379"
  echo "dir /tmp"
  echo "sentinel resolve-hostnames yes"
  echo "sentinel announce-hostnames yes"
  echo "sentinel announce-ip $me"
  echo "sentinel monitor $MASTER_SET $master 6379 $((REPLICAS / 2 + 1))"
  echo "sentinel auth-pass $MASTER_SET $REDIS_PASSWORD"
  echo "sentinel down-after-milliseconds $MASTER_SET 5000"
  echo "sentinel failover-timeout $MASTER_SET 60000"
  echo "sentinel parallel-syncs $MASTER_SET 1"
} >/config/sentinel.conf
echo "configured $me (master: $master)"
`.trim();

/**
 * Redis with replication and Sentinel: a StatefulSet whose pods each run redis-server and a Sentinel, a headless
 * Service for their stable names, a Sentinel Service for Sentinel-aware clients, a PDB, a NetworkPolicy, and the
 * generated password. Renders nothing when the cache is external.
 */
export class RedisCache extends Construct {
  constructor(scope: Construct, id: string, props: ComponentProps) {
    super(scope, id);
    const { ctx } = props;
    const cache = ctx.spec.cache;
    if (cache.mode !== 'managed') return;
    const name = objectName(ctx, COMPONENT);
    const headless = objectName(ctx, COMPONENT, 'headless');
    const selector = selectorLabels(ctx.instance, COMPONENT);
    const labels = commonLabels(ctx.instance, COMPONENT);
    const secret = new GeneratedSecret(this, 'credentials', {
      ctx,
      component: COMPONENT,
      template: {
        password: '{password}',
        url: `redis://:{password}@${name}-0.${headless}:6379/0`,
        sentinels: `${objectName(ctx, COMPONENT, 'sentinel')}:26379`,
        'sentinel-master': SENTINEL_MASTER_SET,
      },
    });
    const image = `redis:${cache.managed.version}`;
    const passwordEnv = {
      name: 'REDIS_PASSWORD',
      valueFrom: { secretKeyRef: { name: secret.secretName, key: 'password' } },
    };
    const ports = [
      { name: 'redis', port: 6379 },
      { name: 'sentinel', port: 26379 },
    ];

    new ApiObject(this, 'headless-service', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: headless, labels },
      spec: {
        clusterIP: 'None',
        publishNotReadyAddresses: true,
        selector,
        ports: ports.map((p) => ({ ...p, targetPort: p.name, protocol: 'TCP' })),
      },
    });
    new ApiObject(this, 'sentinel-service', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: objectName(ctx, COMPONENT, 'sentinel'), labels },
      spec: {
        type: 'ClusterIP',
        selector,
        ports: [{ name: 'sentinel', port: 26379, targetPort: 'sentinel', protocol: 'TCP' }],
      },
    });
    const container = (n: string, command: string[], port: { name: string; port: number }, probeCmd: string) => ({
      name: n,
      image,
      imagePullPolicy: 'IfNotPresent',
      command,
      ports: [{ name: port.name, containerPort: port.port, protocol: 'TCP' }],
      env: [passwordEnv],
      resources: resources(cache.managed.resources),
      securityContext: containerSecurityContext(),
      livenessProbe: { tcpSocket: { port: port.name }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
      readinessProbe: execProbe(probeCmd, 5, 3),
      volumeMounts: [{ name: 'data', mountPath: '/data' }, { name: 'config', mountPath: '/config' }, TMP_MOUNT],
    });

    new ApiObject(this, 'statefulset', {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name, labels },
      spec: {
        replicas: cache.managed.replicas,
        serviceName: headless,
        podManagementPolicy: 'OrderedReady',
        selector: { matchLabels: selector },
        template: {
          metadata: podMetadata(ctx.spec.podOverrides, labels),
          spec: {
            ...podSpecDefaults(ctx.spec.podOverrides, REDIS_UID),
            terminationGracePeriodSeconds: 30,
            topologySpreadConstraints: topologySpread(selector),
            initContainers: [
              {
                name: 'configure',
                image,
                imagePullPolicy: 'IfNotPresent',
                command: ['sh', '-c', CONFIGURE],
                env: [
                  ...POD_IDENTITY_ENV,
                  { name: 'STATEFULSET', value: name },
                  { name: 'HEADLESS', value: headless },
                  { name: 'REPLICAS', value: String(cache.managed.replicas) },
                  { name: 'MASTER_SET', value: SENTINEL_MASTER_SET },
                  passwordEnv,
                ],
                resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
                securityContext: containerSecurityContext(),
                volumeMounts: [{ name: 'config', mountPath: '/config' }, TMP_MOUNT],
              },
            ],
            containers: [
              container(
                'redis',
                ['redis-server', '/config/redis.conf'],
                ports[0]!,
                'REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli ping | grep -q PONG',
              ),
              container(
                'sentinel',
                ['redis-sentinel', '/config/sentinel.conf'],
                ports[1]!,
                'redis-cli -p 26379 ping | grep -q PONG',
              ),
            ],
            volumes: [{ name: 'config', emptyDir: {} }, TMP_VOLUME],
          },
        },
        volumeClaimTemplates: [dataVolumeClaim(cache.managed)],
      },
    });

    podDisruptionBudget(this, 'pdb', ctx, COMPONENT);
    const clientPorts = ports.map((p) => ({ port: p.port }));
    componentNetworkPolicy(this, 'network-policy', {
      ctx,
      component: COMPONENT,
      ingress: [{ ports: clientPorts, components: ['api', 'consumer', 'grpc-kv', 'chat', COMPONENT] }],
      egress: [{ ports: clientPorts, components: [COMPONENT] }],
    });
  }
}
