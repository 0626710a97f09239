import type { KubeObject } from './desired.js';

/** Annotation on a KVStore by which a user confirms that shrinking its stateful components is safe. */
export const ALLOW_SCALE_DOWN_ANNOTATION = 'kverse.dev/allow-scale-down';

export interface ScaleDownDecision {
  /** The desired objects to apply: refused scale-downs keep the replicas the StatefulSet has now. */
  readonly objects: KubeObject[];
  /** One message per refused scale-down. */
  readonly refused: string[];
}

/**
 * Guards stateful components (StatefulSets with volume claims: Redis, RabbitMQ, CockroachDB) against losing
 * members. Removing a member of a quorum system without draining it first (CockroachDB decommission, RabbitMQ
 * quorum-queue membership, Sentinel's view of the replicas) can lose data or availability, so a smaller
 * `replicas` is applied only when it is safe:
 * - nothing runs yet (the StatefulSet is missing or has no ready pod), or
 * - the KVStore carries `kverse.dev/allow-scale-down: "true"`, the user's statement that the members were drained.
 * Otherwise the StatefulSet keeps its current size and the refusal is reported. Pure.
 */
export function guardScaleDown(
  desired: readonly KubeObject[],
  observed: (kind: string, name: string) => KubeObject | undefined,
  annotations: Readonly<Record<string, string>> | undefined,
): ScaleDownDecision {
  const allowed = annotations?.[ALLOW_SCALE_DOWN_ANNOTATION] === 'true';
  const refused: string[] = [];
  const objects = desired.map((o) => {
    if (o.kind !== 'StatefulSet') return o;
    const spec = o.spec as { replicas?: number; volumeClaimTemplates?: unknown[] };
    if (!spec.volumeClaimTemplates?.length || spec.replicas === undefined) return o;
    const current = observed('StatefulSet', o.metadata.name);
    const have = (current?.spec as { replicas?: number } | undefined)?.replicas;
    const ready = Number((current?.status as { readyReplicas?: number } | undefined)?.readyReplicas ?? 0);
    if (have === undefined || spec.replicas >= have || ready === 0 || allowed) return o;
    refused.push(
      `StatefulSet ${o.metadata.name}: scaling from ${have} to ${spec.replicas} replicas refused; drain the members, ` +
        `then annotate the KVStore ${ALLOW_SCALE_DOWN_ANNOTATION}=true`,
    );
    return { ...o, spec: { ...spec, replicas: have } };
  });
  return { objects, refused };
}
