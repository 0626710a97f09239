import { type KubernetesObject, type KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import { FIELD_MANAGER, type KubeObject } from './desired.js';
import { isNotFound } from './errors.js';

/**
 * Server-side apply of `obj` as the `kverse-operator` field manager, forcing ownership of the fields it sets (the
 * operator is the authority for them; a conflict with `kubectl edit` is resolved in the spec's favour). Only the
 * fields in `obj` are sent, so fields the server defaults or other controllers own (an autoscaler's replicas) are
 * left alone, and re-applying an unchanged object changes nothing on the server.
 */
export async function applyObject(objects: KubernetesObjectApi, obj: KubeObject): Promise<KubeObject> {
  return (await objects.patch(
    obj as KubernetesObject,
    undefined,
    undefined,
    FIELD_MANAGER,
    true,
    PatchStrategy.ServerSideApply,
  )) as KubeObject;
}

/**
 * Deletes `obj` with background propagation (its own dependents, e.g. a Deployment's ReplicaSets, go with it).
 * An object that is already gone counts as deleted.
 */
export async function deleteObject(objects: KubernetesObjectApi, obj: KubeObject): Promise<void> {
  try {
    await objects.delete(
      {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        metadata: { name: obj.metadata.name, namespace: obj.metadata.namespace },
      },
      undefined,
      undefined,
      undefined,
      undefined,
      'Background',
    );
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}
