import { FIELD_MANAGER, type KubeObject } from './desired.js';
import { isNotFound } from './errors.js';
import { collectionPath, managedKind } from './managed-kinds.js';
import type { RawClient } from './raw-client.js';

/** URL of one object; `plural` is needed only for kinds outside the managed list. */
export function objectPath(obj: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>, plural?: string): string {
  const resource = plural ?? managedKind(obj.apiVersion, obj.kind)?.plural;
  if (!resource) throw new Error(`no resource name known for ${obj.apiVersion} ${obj.kind}`);
  return `${collectionPath({ apiVersion: obj.apiVersion, plural: resource }, obj.metadata.namespace)}/${obj.metadata.name}`;
}

/**
 * Server-side apply of `obj` as the `kverse-operator` field manager, forcing ownership of the fields it sets (the
 * operator is the authority for them; a conflict with `kubectl edit` is resolved in the spec's favour). Only the
 * fields in `obj` are sent, so fields the server defaults or other controllers own (an autoscaler's replicas) are
 * left alone, and re-applying an unchanged object changes nothing on the server.
 */
export async function applyObject(raw: RawClient, obj: KubeObject, plural?: string): Promise<KubeObject> {
  return raw.request<KubeObject>('PATCH', objectPath(obj, plural), {
    body: obj,
    // JSON is YAML: the apply content type accepts it as is.
    contentType: 'application/apply-patch+yaml',
    query: { fieldManager: FIELD_MANAGER, force: 'true' },
  });
}

/**
 * Deletes `obj` with background propagation (its own dependents, e.g. a Deployment's ReplicaSets, go with it).
 * An object that is already gone counts as deleted.
 */
export async function deleteObject(raw: RawClient, obj: KubeObject): Promise<void> {
  try {
    await raw.request('DELETE', objectPath(obj), {
      body: { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background' },
    });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}
