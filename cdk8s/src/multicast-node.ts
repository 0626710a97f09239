import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { MULTICAST_NODE } from './apps.js';
import { type ComponentProps, objectName } from './context.js';
import { APP_UID } from './kverse-app.js';
import { commonLabels, selectorLabels } from './labels.js';
import {
  appImage,
  containerSecurityContext,
  podMetadata,
  podSpecDefaults,
  probe,
  pullSecrets,
  resources,
  TMP_MOUNT,
  TMP_VOLUME,
  topologySpread,
} from './pod.js';
import { componentNetworkPolicy, podDisruptionBudget } from './policy.js';

/**
 * The multicast nodes (seed 003): a StatefulSet, so each node keeps a stable id (its pod name), and a headless
 * Service whose DNS name lists every node. Pod networks rarely carry IP multicast, so the nodes use the unicast
 * fan-out transport and re-resolve that name to find their peers. Renders nothing when disabled.
 */
export class MulticastNodes extends Construct {
  constructor(scope: Construct, id: string, props: ComponentProps) {
    super(scope, id);
    const { ctx } = props;
    const spec = ctx.spec.apps.multicastNode;
    if (!spec.enabled) return;
    const { component } = MULTICAST_NODE;
    const name = objectName(ctx, component);
    const headless = objectName(ctx, component, 'headless');
    const selector = selectorLabels(ctx.instance, component);
    const labels = { ...commonLabels(ctx.instance, component), 'app.kubernetes.io/version': ctx.spec.version };

    new ApiObject(this, 'headless-service', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: headless, labels },
      spec: {
        clusterIP: 'None',
        // Peers must find each other before they are ready: total ordering elects a sequencer among them.
        publishNotReadyAddresses: true,
        selector,
        ports: [{ name: 'udp', port: MULTICAST_NODE.udpPort, targetPort: 'udp', protocol: 'UDP' }],
      },
    });
    new ApiObject(this, 'service', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, labels },
      spec: {
        type: 'ClusterIP',
        selector,
        ports: [{ name: 'http', port: MULTICAST_NODE.httpPort, targetPort: 'http', protocol: 'TCP' }],
      },
    });

    new ApiObject(this, 'statefulset', {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name, labels },
      spec: {
        replicas: spec.replicas,
        serviceName: headless,
        podManagementPolicy: 'Parallel',
        revisionHistoryLimit: 5,
        selector: { matchLabels: selector },
        template: {
          metadata: podMetadata(ctx.spec.podOverrides, labels),
          spec: {
            ...podSpecDefaults(ctx.spec.podOverrides, APP_UID),
            ...pullSecrets(ctx.spec),
            terminationGracePeriodSeconds: 10,
            topologySpreadConstraints: topologySpread(selector),
            containers: [
              {
                name: component,
                image: appImage(ctx.spec, MULTICAST_NODE.image),
                imagePullPolicy: ctx.spec.image.pullPolicy,
                ports: [
                  { name: 'udp', containerPort: MULTICAST_NODE.udpPort, protocol: 'UDP' },
                  { name: 'http', containerPort: MULTICAST_NODE.httpPort, protocol: 'TCP' },
                ],
                env: [
                  { name: 'NODE_ID', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                  ...Object.entries(MULTICAST_NODE.env).map(([n, value]) => ({ name: n, value })),
                  { name: 'MULTICAST_PEERS_DNS', value: headless },
                  { name: 'ORDERING', value: spec.ordering },
                ],
                resources: resources(spec.resources),
                securityContext: containerSecurityContext(),
                livenessProbe: probe({ http: { path: '/health', port: 'http' } }, 'liveness'),
                readinessProbe: probe({ http: { path: '/health', port: 'http' } }, 'readiness'),
                volumeMounts: [TMP_MOUNT],
              },
            ],
            volumes: [TMP_VOLUME],
          },
        },
      },
    });

    podDisruptionBudget(this, 'pdb', ctx, component);
    const peers = { ports: [{ port: MULTICAST_NODE.udpPort, protocol: 'UDP' as const }], components: [component] };
    componentNetworkPolicy(this, 'network-policy', {
      ctx,
      component,
      ingress: [peers, { ports: [{ port: MULTICAST_NODE.httpPort }] }],
      egress: [peers],
    });
  }
}
