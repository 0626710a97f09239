import { API_VERSION, type KVStoreSpec, KVStoreSpecError, PLURAL, parseKVStoreSpec } from '@kverse/crd';
import type { Logger } from '@kverse/runtime';
import { applyObject, deleteObject } from './apply.js';
import { desiredObjects, type KubeObject, type OwnerIdentity, objectKey } from './desired.js';
import { apiMessage, httpStatus, isNotFound, OperatorError } from './errors.js';
import type { EventRecorder } from './events.js';
import type { KubeClients } from './kube.js';
import { collectionPath } from './managed-kinds.js';
import { guardScaleDown } from './scale-guard.js';
import { computeStatus, type OperatorStatus, type ReconcileNotes, sameStatus } from './status.js';
import { isSubset } from './subset.js';

/** What the reconciler reads instead of asking the API server: the informers' caches. */
export interface ObservedState {
  /** The cached object of a managed kind, if any. */
  get(apiVersion: string, kind: string, namespace: string, name: string): KubeObject | undefined;
  /** Every cached object of a managed kind controlled by the KVStore with this uid. */
  ownedBy(namespace: string, uid: string): KubeObject[];
}

/** What one reconcile did, for logs, metrics and tests. */
export interface ReconcileResult {
  /** The KVStore no longer exists (or is being deleted): nothing to do. */
  readonly gone?: boolean;
  readonly applied: number;
  readonly pruned: number;
  readonly statusWritten: boolean;
}

interface StoredKVStore extends KubeObject {
  spec?: unknown;
  status?: OperatorStatus;
}

/** How many objects one reconcile applies or deletes concurrently. */
const PARALLEL_WRITES = 8;

/**
 * Level-triggered, idempotent reconcile of one KVStore: reads it, builds the desired objects with
 * `KVersePlatform(spec)`, applies those that differ from what is observed, prunes owned objects that are no
 * longer desired, and writes status when it changed. Running it again on an unchanged world makes no writes.
 */
export class Reconciler {
  constructor(
    private readonly kube: KubeClients,
    private readonly observed: ObservedState,
    private readonly events: EventRecorder,
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Reconciles `namespace/name`. A KVStore that is gone means stop (its objects carry owner references, so the
   * garbage collector removes them). An invalid spec is reported in status and not retried.
   * @throws OperatorError when some write failed; the caller retries with backoff.
   */
  async reconcile(namespace: string, name: string): Promise<ReconcileResult> {
    const kvstore = await this.read(namespace, name);
    if (!kvstore || kvstore.metadata.deletionTimestamp)
      return { gone: true, applied: 0, pruned: 0, statusWritten: false };
    const owner: OwnerIdentity = { name, namespace, uid: kvstore.metadata.uid! };
    const generation = kvstore.metadata.generation ?? 0;

    let spec: KVStoreSpec;
    try {
      spec = parseKVStoreSpec(kvstore.spec as KVStoreSpec);
    } catch (err) {
      if (!(err instanceof KVStoreSpecError)) throw err;
      const message = `KV_ERR_OPERATOR_INVALID_SPEC: ${err.problems.join('; ')}`;
      this.log.warn({ kvstore: `${namespace}/${name}`, problems: err.problems }, 'stored KVStore spec is invalid');
      const statusWritten = await this.ensureStatus(kvstore, undefined, { invalidSpec: message });
      return { applied: 0, pruned: 0, statusWritten };
    }

    if (spec.paused) {
      const statusWritten = await this.ensureStatus(kvstore, spec, { paused: true });
      return { applied: 0, pruned: 0, statusWritten };
    }

    const get = (kind: string, objName: string) => this.observed.get('apps/v1', kind, namespace, objName);
    const guarded = guardScaleDown(desiredObjects(owner, spec), get, kvstore.metadata.annotations);
    const outcome = await this.ensureObjects(guarded.objects.filter((o) => !guarded.held.has(o)));
    const pruned = outcome.errors.length === 0 ? await this.ensurePruned(owner, guarded.objects) : 0;
    const statusWritten = await this.ensureStatus(
      kvstore,
      spec,
      { applyErrors: outcome.errors, scaleDownRefused: guarded.refused },
      outcome.workloads,
    );
    if (outcome.errors.length > 0) {
      throw new OperatorError('KV_ERR_OPERATOR_APPLY_FAILED', outcome.errors.join('; '));
    }
    this.log.debug({ kvstore: `${namespace}/${name}`, generation, applied: outcome.applied, pruned }, 'reconciled');
    return { applied: outcome.applied, pruned, statusWritten };
  }

  private async read(namespace: string, name: string): Promise<StoredKVStore | undefined> {
    try {
      return (await this.kube.raw.get({ apiVersion: API_VERSION, plural: PLURAL }, namespace, name)) as StoredKVStore;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw new OperatorError('KV_ERR_OPERATOR_API_UNAVAILABLE', `reading KVStore ${namespace}/${name}`, {
        cause: err,
      });
    }
  }

  /** Applies every desired object that is missing or differs from what is observed. */
  private async ensureObjects(
    desired: readonly KubeObject[],
  ): Promise<{ applied: number; errors: string[]; workloads: KubeObject[] }> {
    const errors: string[] = [];
    let applied = 0;
    // The Deployments and StatefulSets as the API server answered their apply: newer than the informer's copies,
    // whose watch events may not have arrived yet.
    const workloads: KubeObject[] = [];
    const stale: KubeObject[] = [];
    for (const d of desired) {
      const seen = this.observed.get(d.apiVersion, d.kind, d.metadata.namespace!, d.metadata.name);
      const failed = seen && d.kind === 'Job' ? jobFailure(seen) : undefined;
      if (failed !== undefined) {
        // A Job past its retries never runs again on its own, and its spec does not change, so nothing would re-apply
        // it: delete it, say why (the retry of this reconcile, with backoff, creates it afresh).
        await deleteObject(this.kube.raw, seen!).catch(() => undefined);
        errors.push(`Job ${d.metadata.name}: failed (${failed}); deleted, to run again`);
        continue;
      }
      if (!seen || !isSubset(d, seen)) stale.push(d);
    }
    // In tiers, as Helm installs: a RoleBinding is checked against its Role (RBAC escalation prevention), so the Role
    // must exist first; everything else may go in parallel.
    for (const tier of [0, 1, 2]) {
      await inBatches(
        stale.filter((obj) => applyTier(obj.kind) === tier),
        PARALLEL_WRITES,
        async (obj) => {
          try {
            const answer = await applyObject(this.kube.raw, obj);
            applied += 1;
            if (answer.kind === 'Deployment' || answer.kind === 'StatefulSet') workloads.push(answer);
          } catch (err) {
            errors.push(`${obj.kind} ${obj.metadata.name}: ${apiMessage(err)}`);
            // A Job's pod template is immutable: replace the Job (it only creates a Secret if missing, so re-running
            // it is harmless); the retry then creates it afresh.
            if (obj.kind === 'Job' && httpStatus(err) === 422) await deleteObject(this.kube.raw, obj);
          }
        },
      );
    }
    return { applied, errors, workloads };
  }

  /** Deletes objects this KVStore controls that are no longer desired (a disabled app, a cache made external). */
  private async ensurePruned(owner: OwnerIdentity, desired: readonly KubeObject[]): Promise<number> {
    const wanted = new Set(desired.map(objectKey));
    const unwanted = this.observed.ownedBy(owner.namespace, owner.uid).filter((o) => !wanted.has(objectKey(o)));
    await inBatches(unwanted, PARALLEL_WRITES, async (obj) => {
      try {
        await deleteObject(this.kube.raw, obj);
        this.log.info({ kvstore: `${owner.namespace}/${owner.name}`, object: objectKey(obj) }, 'pruned');
      } catch (err) {
        throw new OperatorError('KV_ERR_OPERATOR_PRUNE_FAILED', `${objectKey(obj)}: ${apiMessage(err)}`, {
          cause: err,
        });
      }
    });
    return unwanted.length;
  }

  /** Computes status from what is observed; writes it (and records Events for transitions) only when it changed. */
  private async ensureStatus(
    kvstore: StoredKVStore,
    spec: KVStoreSpec | undefined,
    notes: ReconcileNotes,
    justApplied: readonly KubeObject[] = [],
  ): Promise<boolean> {
    const { namespace, name } = kvstore.metadata as { namespace: string; name: string };
    const workloads = new Map<string, KubeObject>();
    for (const o of this.observed.ownedBy(namespace, kvstore.metadata.uid!)) {
      if (o.kind === 'Deployment' || o.kind === 'StatefulSet') workloads.set(`${o.kind}/${o.metadata.name}`, o);
    }
    // A workload just changed is judged by the apply's answer (its new generation, not yet observed by its
    // controller), not by the informer's older copy: else status says Ready for a change that has not rolled out.
    // (One just created is still judged absent, Creating, until the informer has it.)
    for (const o of justApplied) {
      const key = `${o.kind}/${o.metadata.name}`;
      if (workloads.has(key)) workloads.set(key, o);
    }
    const status = computeStatus({
      name,
      namespace,
      generation: kvstore.metadata.generation ?? 0,
      spec,
      workloads,
      previous: kvstore.status,
      notes,
      now: this.now(),
    });
    if (sameStatus(status, kvstore.status)) return false;
    try {
      // PUT with the resourceVersion read at the start: a KVStore changed since is a conflict, not overwritten.
      await this.kube.raw.request(
        'PUT',
        `${collectionPath({ apiVersion: API_VERSION, plural: PLURAL }, namespace)}/${name}/status`,
        {
          body: { ...kvstore, status },
        },
      );
    } catch (err) {
      if (isNotFound(err)) return false;
      // A conflict means the KVStore changed since it was read: the retry reads it afresh.
      throw new OperatorError('KV_ERR_OPERATOR_STATUS_FAILED', apiMessage(err), { cause: err });
    }
    await this.recordTransitions(kvstore, status);
    return true;
  }

  private async recordTransitions(kvstore: StoredKVStore, next: OperatorStatus): Promise<void> {
    const before = kvstore.status;
    const subject = {
      name: kvstore.metadata.name,
      namespace: kvstore.metadata.namespace!,
      uid: kvstore.metadata.uid!,
    };
    const cond = (s: OperatorStatus | undefined, type: string) => s?.conditions?.find((c) => c.type === type);
    if (before?.phase !== next.phase) {
      // The message says why: what is degraded if anything, else what progress reports.
      const degraded = cond(next, 'Degraded');
      const message = degraded?.status === 'True' ? degraded.message : (cond(next, 'Progressing')?.message ?? '');
      const warning = next.phase === 'Failed' || next.phase === 'Degraded';
      await this.events.record(subject, warning ? 'Warning' : 'Normal', next.phase ?? 'Unknown', message);
    } else if (before?.observedGeneration !== next.observedGeneration && next.phase !== 'Paused') {
      await this.events.record(subject, 'Normal', 'Reconciling', `applying generation ${next.observedGeneration}`);
    }
  }
}

/** Apply order: identities and roles, then their bindings, then the rest. */
function applyTier(kind: string): number {
  if (kind === 'ServiceAccount' || kind === 'Role' || kind === 'ClusterRole') return 0;
  return kind === 'RoleBinding' || kind === 'ClusterRoleBinding' ? 1 : 2;
}

/** Runs `fn` over `items`, at most `width` at a time; rethrows the first failure after all have settled. */
async function inBatches<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  const failures: unknown[] = [];
  for (let i = 0; i < items.length; i += width) {
    const results = await Promise.allSettled(items.slice(i, i + width).map(fn));
    for (const r of results) if (r.status === 'rejected') failures.push(r.reason);
  }
  if (failures.length > 0) throw failures[0];
}

/** Why a Job has failed for good (its `Failed` condition), or undefined while it may still succeed. */
function jobFailure(job: KubeObject): string | undefined {
  const conditions = (job.status as { conditions?: Array<{ type?: string; status?: string; reason?: string }> })
    ?.conditions;
  const failed = conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
  return failed ? (failed.reason ?? 'Failed') : undefined;
}
