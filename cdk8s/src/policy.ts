import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { objectName, type PlatformContext } from './context.js';
import { commonLabels, selectorLabels } from './labels.js';
import type { Manifest } from './pod.js';

/** A port of a NetworkPolicy or PodDisruptionBudget rule. */
export interface PolicyPort {
  readonly port: number | string;
  readonly protocol?: 'TCP' | 'UDP';
}

/** Who may connect: components of this platform, or `any` source/destination. */
export interface PolicyPeer {
  readonly ports: readonly PolicyPort[];
  /** Components of the same instance; omitted means anywhere. */
  readonly components?: readonly string[];
}

export interface NetworkPolicyProps {
  readonly ctx: PlatformContext;
  readonly component: string;
  readonly ingress: readonly PolicyPeer[];
  /** DNS (port 53 anywhere) is always allowed in addition. */
  readonly egress: readonly PolicyPeer[];
}

/** Default-deny for a component's pods in both directions, then exactly the flows listed. */
export function componentNetworkPolicy(scope: Construct, id: string, props: NetworkPolicyProps): ApiObject {
  const { ctx, component } = props;
  const rule = (peer: PolicyPeer, direction: 'from' | 'to'): Manifest => ({
    ports: peer.ports.map((p) => ({ port: p.port, protocol: p.protocol ?? 'TCP' })),
    ...(peer.components
      ? { [direction]: peer.components.map((c) => ({ podSelector: { matchLabels: selectorLabels(ctx.instance, c) } })) }
      : {}),
  });
  const dns: PolicyPeer = {
    ports: [
      { port: 53, protocol: 'UDP' },
      { port: 53, protocol: 'TCP' },
    ],
  };
  return new ApiObject(scope, id, {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: objectName(ctx, component), labels: commonLabels(ctx.instance, component) },
    spec: {
      podSelector: { matchLabels: selectorLabels(ctx.instance, component) },
      policyTypes: ['Ingress', 'Egress'],
      // No rules at all denies every ingress; an empty list would mean the same but is dropped by the API server,
      // which makes every apply (Helm's three-way merge, the operator) see a difference that is not there.
      ...(props.ingress.length > 0 ? { ingress: props.ingress.map((p) => rule(p, 'from')) } : {}),
      egress: [...props.egress, dns].map((p) => rule(p, 'to')),
    },
  });
}

/** At most one pod of the component down for voluntary disruptions (drains, upgrades). */
export function podDisruptionBudget(scope: Construct, id: string, ctx: PlatformContext, component: string): ApiObject {
  return new ApiObject(scope, id, {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: objectName(ctx, component), labels: commonLabels(ctx.instance, component) },
    spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(ctx.instance, component) } },
  });
}

/** Ports of the Kubernetes API server, for pods that call it (RabbitMQ peer discovery, the credentials Jobs). */
export const KUBE_API_PORTS: readonly PolicyPort[] = [{ port: 443 }, { port: 6443 }];
