import { createHash } from 'node:crypto';
import { KVersePlatform } from '@kverse/cdk8s';
import { API_VERSION, KIND, type KVStoreSpec } from '@kverse/crd';
import { App } from 'cdk8s';

/** A Kubernetes object as JSON. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    generation?: number;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: OwnerReference[];
    deletionTimestamp?: string;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** The field manager of every write, so `kubectl get -o yaml --show-managed-fields` names the operator. */
export const FIELD_MANAGER = 'kverse-operator';
/** Label selecting every object the operator manages (cdk8s sets the rest of the recommended labels). */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'kverse-operator';
/** The recommended instance label; the constructs set it to the KVStore's name. */
export const INSTANCE_LABEL = 'app.kubernetes.io/instance';

/**
 * Hash of the desired object as last applied. Observed fields alone cannot tell whether an apply is needed: a
 * desired list element that drops a field still "matches" a live element carrying it (extra fields are expected,
 * servers default them), so a changed desired object must show up as a changed hash.
 */
export const APPLIED_HASH_ANNOTATION = 'kverse.dev/applied-hash';

/** Identity of a KVStore the desired objects hang off. */
export interface OwnerIdentity {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
}

/**
 * The objects a KVStore should have, in apply order: synthesised in memory by the same `KVersePlatform` chart
 * `cdk8s synth` and the Helm chart use, then stamped with the KVStore's namespace, the managed-by label and a
 * controller owner reference (so the garbage collector removes them with the KVStore). Pure: no I/O.
 * @throws KVStoreSpecError when the spec fails the schema.
 */
export function desiredObjects(owner: OwnerIdentity, spec: KVStoreSpec): KubeObject[] {
  const app = new App({ outdir: '/dev/null' });
  const chart = new KVersePlatform(app, owner.name, { name: owner.name, namespace: owner.namespace, spec });
  const ownerRef: OwnerReference = {
    apiVersion: API_VERSION,
    kind: KIND,
    name: owner.name,
    uid: owner.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
  return (chart.toJson() as KubeObject[]).map(withoutEmptyLists).map((o) => {
    const stamped: KubeObject = {
      ...o,
      metadata: {
        ...o.metadata,
        namespace: owner.namespace,
        labels: { ...o.metadata.labels, [MANAGED_BY_LABEL]: MANAGED_BY, [INSTANCE_LABEL]: owner.name },
        ownerReferences: [ownerRef],
      },
    };
    const hash = createHash('sha256').update(JSON.stringify(stamped)).digest('hex').slice(0, 16);
    stamped.metadata.annotations = { ...stamped.metadata.annotations, [APPLIED_HASH_ANNOTATION]: hash };
    return stamped;
  });
}

/** `Kind/name`: identifies an object within one KVStore's namespace. */
export function objectKey(o: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): string {
  return `${o.apiVersion}/${o.kind}/${o.metadata.name}`;
}

/** True when `o` has a controller owner reference to the KVStore with this uid. */
export function isOwnedBy(o: KubeObject, uid: string): boolean {
  return (o.metadata.ownerReferences ?? []).some((r) => r.uid === uid && r.controller === true);
}

/** The KVStore (`namespace/name`) that controls `o`, if any. */
export function controllingKVStore(o: KubeObject): string | undefined {
  const ref = (o.metadata.ownerReferences ?? []).find((r) => r.kind === KIND && r.controller === true);
  return ref && o.metadata.namespace ? `${o.metadata.namespace}/${ref.name}` : undefined;
}

/**
 * Drops empty lists (e.g. a NetworkPolicy's `ingress: []`). Built-in kinds serialise empty lists with
 * `omitempty`, so the server stores them as absent: applying one would never match what is observed and would
 * make the API server rewrite the object's managed fields on every apply (an update loop). An empty list and a
 * missing one mean the same to these kinds. Empty objects are kept: `emptyDir: {}` is meaningful.
 */
export function withoutEmptyLists<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutEmptyLists) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => !(Array.isArray(v) && v.length === 0))
        .map(([k, v]) => [k, withoutEmptyLists(v)]),
    ) as T;
  }
  return value;
}
