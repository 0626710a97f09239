import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import {
  APPS,
  BACKING_CLIENT_PORTS,
  BACKING_COMPONENTS,
  type BackingServiceName,
  type FrontDoorAppName,
} from './apps.js';
import { authPodParts } from './auth.js';
import { type ComponentProps, connectionSecret, objectName } from './context.js';
import { commonLabels, selectorLabels } from './labels.js';
import {
  appImage,
  containerSecurityContext,
  type Manifest,
  podMetadata,
  podSpecDefaults,
  probe,
  pullSecrets,
  resources,
  TMP_MOUNT,
  TMP_VOLUME,
  topologySpread,
} from './pod.js';
import { componentNetworkPolicy, type PolicyPeer, podDisruptionBudget } from './policy.js';
import { tracingEgress, tracingEnv } from './tracing.js';

/** User id of the KVerse images (the `node` user of the Node.js base image). */
export const APP_UID = 1000;

export interface KVerseAppProps extends ComponentProps {
  /** Which app (a key of `spec.apps` deployed as a Deployment). */
  readonly app: FrontDoorAppName;
}

/**
 * One stateless KVerse app: Deployment, Service, PodDisruptionBudget, NetworkPolicy and, when autoscaling is on, a
 * HorizontalPodAutoscaler on CPU (the Deployment then leaves `replicas` to the autoscaler, so applying the manifests
 * again never resets a scaled-out app). Renders nothing when the app is disabled.
 */
export class KVerseApp extends Construct {
  /** The Service's in-cluster name. */
  readonly serviceName: string;

  constructor(scope: Construct, id: string, props: KVerseAppProps) {
    super(scope, id);
    const { ctx, app } = props;
    const def = APPS[app];
    const spec = ctx.spec.apps[app];
    const name = objectName(ctx, def.component);
    this.serviceName = name;
    if (!spec.enabled) return;

    const selector = selectorLabels(ctx.instance, def.component);
    const labels = { ...commonLabels(ctx.instance, def.component), 'app.kubernetes.io/version': ctx.spec.version };
    const backing = Object.entries(def.uses) as Array<[BackingServiceName, string]>;
    const env: Manifest[] = [
      ...Object.entries(def.env).map(([n, value]) => ({ name: n, value })),
      ...backing.map(([service, variable]) => ({
        name: variable,
        valueFrom: { secretKeyRef: connectionSecret(ctx, service) },
      })),
      ...tracingEnv(ctx.spec),
    ];
    const volumes = [TMP_VOLUME, ...(def.dataDir ? [{ name: 'data', emptyDir: {} }] : [])];
    const mounts = [TMP_MOUNT, ...(def.dataDir ? [{ name: 'data', mountPath: def.dataDir }] : [])];
    if (def.authenticates) {
      const auth = authPodParts(ctx);
      env.push(...auth.env);
      volumes.push(auth.volume);
      mounts.push(auth.mount);
    }

    new ApiObject(this, 'deployment', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, labels },
      spec: {
        ...(spec.autoscaling.enabled ? {} : { replicas: spec.replicas }),
        revisionHistoryLimit: 5,
        selector: { matchLabels: selector },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template: {
          metadata: podMetadata(ctx.spec.podOverrides, labels),
          spec: {
            ...podSpecDefaults(ctx.spec.podOverrides, APP_UID),
            ...pullSecrets(ctx.spec),
            terminationGracePeriodSeconds: 30,
            topologySpreadConstraints: topologySpread(selector),
            containers: [
              {
                name: def.component,
                image: appImage(ctx.spec, def.image),
                imagePullPolicy: ctx.spec.image.pullPolicy,
                ports: def.ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: p.protocol })),
                env,
                resources: resources(spec.resources),
                securityContext: containerSecurityContext(),
                startupProbe: probe(def.liveness, 'startup'),
                livenessProbe: probe(def.liveness, 'liveness'),
                readinessProbe: probe(def.readiness, 'readiness'),
                volumeMounts: mounts,
              },
            ],
            volumes,
          },
        },
      },
    });

    new ApiObject(this, 'service', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, labels },
      spec: {
        type: 'ClusterIP',
        selector,
        ports: def.ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.name, protocol: p.protocol })),
      },
    });

    podDisruptionBudget(this, 'pdb', ctx, def.component);

    if (spec.autoscaling.enabled) {
      new ApiObject(this, 'hpa', {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name, labels },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
          minReplicas: spec.autoscaling.minReplicas,
          maxReplicas: spec.autoscaling.maxReplicas,
          metrics: [
            {
              type: 'Resource',
              resource: {
                name: 'cpu',
                target: { type: 'Utilization', averageUtilization: spec.autoscaling.targetCPUUtilizationPercentage },
              },
            },
          ],
          behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
        },
      });
    }

    // DESIGN.md §1: front doors take clients on their public ports; metrics are scraped from anywhere; each app
    // reaches only the backing services it uses (any address when that service is external).
    const egress: PolicyPeer[] = [
      ...backing.map(([service]) =>
        ctx.spec[service].mode === 'external'
          ? { ports: [] }
          : {
              ports: BACKING_CLIENT_PORTS[service].map((port) => ({ port })),
              components: [BACKING_COMPONENTS[service]],
            },
      ),
      ...tracingEgress(ctx.spec),
    ];
    componentNetworkPolicy(this, 'network-policy', {
      ctx,
      component: def.component,
      ingress: [{ ports: def.ports.map((p) => ({ port: p.port, protocol: p.protocol })) }],
      egress,
    });
  }
}

/** The REST API (and web UI). */
export class ApiApp extends KVerseApp {
  constructor(scope: Construct, id: string, props: ComponentProps) {
    super(scope, id, { ...props, app: 'api' });
  }
}

/** The write-queue consumers. */
export class ConsumerApp extends KVerseApp {
  constructor(scope: Construct, id: string, props: ComponentProps) {
    super(scope, id, { ...props, app: 'consumer' });
  }
}

/** The gRPC KV front door. */
export class GrpcKvApp extends KVerseApp {
  constructor(scope: Construct, id: string, props: ComponentProps) {
    super(scope, id, { ...props, app: 'grpcKv' });
  }
}

/** The chat server. */
export class ChatApp extends KVerseApp {
  constructor(scope: Construct, id: string, props: ComponentProps) {
    super(scope, id, { ...props, app: 'chat' });
  }
}
