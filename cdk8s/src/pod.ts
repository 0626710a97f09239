import type { KVStoreSpec, PodOverridesSpec, ResourcesSpec } from '@kverse/crd';
import type { Probe } from './apps.js';

/** A JSON object of a Kubernetes manifest. */
export type Manifest = Record<string, unknown>;

/** Restricted Pod Security Standard for a container: non-root, no privilege escalation, read-only root, no caps. */
export function containerSecurityContext(): Manifest {
  return {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Pod-level security context; `uid` is the image's own non-root user (1000 for KVerse images). */
export function podSecurityContext(uid: number): Manifest {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup: uid,
    fsGroupChangePolicy: 'OnRootMismatch',
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Spread replicas over nodes and zones, preferring (not requiring) balance so small clusters still schedule. */
export function topologySpread(selector: Record<string, string>): Manifest[] {
  return ['kubernetes.io/hostname', 'topology.kubernetes.io/zone'].map((topologyKey) => ({
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable: 'ScheduleAnyway',
    labelSelector: { matchLabels: selector },
  }));
}

export function probe(p: Probe, kind: 'liveness' | 'readiness' | 'startup'): Manifest {
  const handler = 'http' in p ? { httpGet: { path: p.http.path, port: p.http.port } } : { grpc: { port: p.grpc.port } };
  const timing =
    kind === 'startup'
      ? { periodSeconds: 2, failureThreshold: 60 }
      : kind === 'liveness'
        ? { periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 }
        : { periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 2 };
  return { ...handler, ...timing };
}

export function resources(r: ResourcesSpec): Manifest {
  return { requests: { ...r.requests }, limits: { ...r.limits } };
}

/** Image of a KVerse app: `[<registry>/]<repository>/<name>:<version>`. */
export function appImage(spec: KVStoreSpec, name: string): string {
  const prefix = spec.image.registry ? `${spec.image.registry}/` : '';
  return `${prefix}${spec.image.repository}/${name}:${spec.version}`;
}

/** Pod template metadata with the spec's extra labels and annotations (selector labels always win). */
export function podMetadata(
  overrides: PodOverridesSpec,
  labels: Record<string, string>,
  annotations: Record<string, string> = {},
): Manifest {
  const merged = { ...overrides.annotations, ...annotations };
  return {
    labels: { ...overrides.labels, ...labels },
    ...(Object.keys(merged).length > 0 ? { annotations: merged } : {}),
  };
}

/**
 * Fields every KVerse pod spec shares. Service links are off: Kubernetes would otherwise inject `KVERSE_*_PORT`
 * variables for Services named `kverse-*`, which the apps' configuration rejects as unknown settings.
 */
export function podSpecDefaults(overrides: PodOverridesSpec, uid: number): Manifest {
  return {
    enableServiceLinks: false,
    automountServiceAccountToken: false,
    securityContext: podSecurityContext(uid),
    ...(Object.keys(overrides.nodeSelector).length > 0 ? { nodeSelector: overrides.nodeSelector } : {}),
    ...(overrides.tolerations.length > 0 ? { tolerations: overrides.tolerations } : {}),
    ...(Object.keys(overrides.affinity).length > 0 ? { affinity: overrides.affinity } : {}),
  };
}

/** The `emptyDir` at /tmp every container gets, since the root filesystem is read-only. */
export const TMP_VOLUME: Manifest = { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } };
export const TMP_MOUNT: Manifest = { name: 'tmp', mountPath: '/tmp' };

/** Environment variables naming the pod and its namespace (downward API). */
export const POD_IDENTITY_ENV: Manifest[] = [
  { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
  { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
];

export function pullSecrets(spec: KVStoreSpec): Manifest {
  return spec.image.pullSecrets.length > 0
    ? { imagePullSecrets: spec.image.pullSecrets.map((name) => ({ name })) }
    : {};
}
