import type { KubeObject } from './desired.js';

/** Annotation on a KVStore by which a user confirms that shrinking its stateful components is safe. */
export const ALLOW_SCALE_DOWN_ANNOTATION = 'kverse.dev/allow-scale-down';

export interface ScaleDownDecision {
  /** The desired objects (what the KVStore owns; objects not among them are pruned). */
  readonly objects: KubeObject[];
  /**
   * Of `objects`, the StatefulSets whose scale-down was refused: not applied at all until it is allowed or undone.
   * Applying one with its old size would still roll every pod with settings made for the new size (Redis derives its
   * Sentinel quorum and where to find the master from the replica count).
   */
  readonly held: ReadonlySet<KubeObject>;
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
 * Otherwise the StatefulSet is left as it runs — no change of it is applied — and the refusal is reported. Pure.
 */
export function guardScaleDown(
  desired: readonly KubeObject[],
  observed: (kind: string, name: string) => KubeObject | undefined,
  annotations: Readonly<Record<string, string>> | undefined,
): ScaleDownDecision {
  const allowed = annotations?.[ALLOW_SCALE_DOWN_ANNOTATION] === 'true';
  const refused: string[] = [];
  const held = new Set<KubeObject>();
  for (const o of desired) {
    if (o.kind !== 'StatefulSet') continue;
    const spec = o.spec as { replicas?: number; volumeClaimTemplates?: unknown[] };
    if (!spec.volumeClaimTemplates?.length || spec.replicas === undefined) continue;
    const current = observed('StatefulSet', o.metadata.name);
    const have = (current?.spec as { replicas?: number } | undefined)?.replicas;
    const ready = Number((current?.status as { readyReplicas?: number } | undefined)?.readyReplicas ?? 0);
    if (have === undefined || spec.replicas >= have || ready === 0 || allowed) continue;
    held.add(o);
    refused.push(
      `StatefulSet ${o.metadata.name}: scaling from ${have} to ${spec.replicas} replicas refused and nothing of it ` +
        `changed; drain the members, then annotate the KVStore ${ALLOW_SCALE_DOWN_ANNOTATION}=true`,
    );
  }
  return { objects: [...desired], held, refused };
}
