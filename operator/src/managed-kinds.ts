import { GROUP, PLURAL } from '@kverse/crd';

/**
 * The kinds of objects the operator creates for a KVStore: what `KVersePlatform(spec)` can produce. The operator
 * watches, applies and prunes exactly these, and its RBAC ({@link clusterRoleRules}) is generated from this list;
 * a test keeps the kverse-operator chart's ClusterRole equal to it.
 */
export interface ManagedKind {
  readonly apiVersion: string;
  readonly kind: string;
  /** Resource name in URLs and RBAC rules. */
  readonly plural: string;
  /** Served only when an optional CRD is installed (the operator then does not watch it). */
  readonly optional?: boolean;
}

export const MANAGED_KINDS: readonly ManagedKind[] = [
  { apiVersion: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts' },
  { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps' },
  { apiVersion: 'v1', kind: 'Service', plural: 'services' },
  { apiVersion: 'v1', kind: 'Secret', plural: 'secrets' },
  { apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments' },
  { apiVersion: 'apps/v1', kind: 'StatefulSet', plural: 'statefulsets' },
  { apiVersion: 'batch/v1', kind: 'Job', plural: 'jobs' },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', plural: 'poddisruptionbudgets' },
  { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', plural: 'horizontalpodautoscalers' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', plural: 'networkpolicies' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', plural: 'roles' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', plural: 'rolebindings' },
  { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', plural: 'servicemonitors', optional: true },
];

/** `group` of an apiVersion (`''` for the core group). */
export function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0]! : '';
}

/** The collection URL of a kind across all namespaces, e.g. `/apis/apps/v1/deployments`. */
export function collectionPath(k: Pick<ManagedKind, 'apiVersion' | 'plural'>, namespace?: string): string {
  const base = k.apiVersion.includes('/') ? `/apis/${k.apiVersion}` : `/api/${k.apiVersion}`;
  return namespace ? `${base}/namespaces/${namespace}/${k.plural}` : `${base}/${k.plural}`;
}

/** Looks a kind up by apiVersion and kind. */
export function managedKind(apiVersion: string, kind: string): ManagedKind | undefined {
  return MANAGED_KINDS.find((k) => k.apiVersion === apiVersion && k.kind === kind);
}

export interface PolicyRule {
  readonly apiGroups: string[];
  readonly resources: string[];
  readonly verbs: string[];
}

const OWN = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];

/**
 * The ClusterRole the operator needs, least privilege. Beyond the managed kinds:
 * - KVStores: read and watch; `update`/`patch` on `status` to report, on `finalizers` because an owner reference
 *   with `blockOwnerDeletion` requires it (OwnerReferencesPermissionEnforcement); no finalizer is ever added.
 * - PersistentVolumeClaims: read, to judge whether scaling a stateful component down is safe; `delete` for the
 *   documented clean-up of claims a user asks the operator to remove.
 * - endpoints and pods (read): the platform's RabbitMQ Role grants them, and RBAC lets the operator grant only
 *   what it holds itself.
 * - Events: create and patch, to report transitions.
 * Leader election's Lease lives in the operator's namespace and is granted by a Role, not here.
 */
export function clusterRoleRules(): PolicyRule[] {
  return [
    { apiGroups: [GROUP], resources: [PLURAL], verbs: ['get', 'list', 'watch', 'update', 'patch'] },
    { apiGroups: [GROUP], resources: [`${PLURAL}/status`, `${PLURAL}/finalizers`], verbs: ['get', 'update', 'patch'] },
    ...MANAGED_KINDS.map((k) => ({ apiGroups: [groupOf(k.apiVersion)], resources: [k.plural], verbs: [...OWN] })),
    { apiGroups: [''], resources: ['persistentvolumeclaims'], verbs: ['get', 'list', 'watch', 'delete'] },
    { apiGroups: [''], resources: ['endpoints', 'pods'], verbs: ['get', 'list', 'watch'] },
    { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
  ];
}

/** Flattens rules to `group/resource:verb` strings, so two rule lists can be compared as sets. */
export function ruleTriples(rules: readonly PolicyRule[]): Set<string> {
  const out = new Set<string>();
  for (const r of rules) {
    for (const g of r.apiGroups) for (const res of r.resources) for (const v of r.verbs) out.add(`${g}/${res}:${v}`);
  }
  return out;
}
