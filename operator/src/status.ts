import { APPS, BACKING_COMPONENTS, type BackingServiceName, connectionSecret } from '@kverse/cdk8s';
import type { KVStoreCondition, KVStorePhase, KVStoreSpec, KVStoreStatus } from '@kverse/crd';
import type { KubeObject } from './desired.js';

/**
 * Status is computed from what the operator observes, never from what it intended: a Deployment counts as ready
 * when its controller says so. Pure functions; the reconciler decides whether the result differs from what is
 * stored and only then writes it.
 */

/** Components with a `<Component>Ready` condition, and the workload (by component label) that backs each. */
export const COMPONENTS = [
  { condition: 'ApiReady', app: 'api', component: APPS.api.component },
  { condition: 'ConsumerReady', app: 'consumer', component: APPS.consumer.component },
  { condition: 'GrpcKvReady', app: 'grpcKv', component: APPS.grpcKv.component },
  { condition: 'ChatReady', app: 'chat', component: APPS.chat.component },
  { condition: 'MulticastNodeReady', app: 'multicastNode', component: 'multicast-node' },
  { condition: 'CacheReady', service: 'cache', component: BACKING_COMPONENTS.cache },
  { condition: 'QueueReady', service: 'queue', component: BACKING_COMPONENTS.queue },
  { condition: 'DatabaseReady', service: 'database', component: BACKING_COMPONENTS.database },
] as const satisfies ReadonlyArray<{
  condition: string;
  component: string;
  app?: keyof KVStoreSpec['apps'];
  service?: BackingServiceName;
}>;

/** What the reconcile found besides the objects: reasons the platform cannot be (made) as specified. */
export interface ReconcileNotes {
  /** The spec failed validation; nothing was applied. */
  readonly invalidSpec?: string;
  /** `spec.paused`: nothing was changed. */
  readonly paused?: boolean;
  /** Objects the API server refused, with its messages. */
  readonly applyErrors?: readonly string[];
  /** Stateful components whose scale-down was refused, with why. */
  readonly scaleDownRefused?: readonly string[];
}

/** Inputs of {@link computeStatus}. */
export interface StatusInput {
  readonly name: string;
  readonly namespace: string;
  readonly generation: number;
  /** undefined when the spec is invalid. */
  readonly spec: KVStoreSpec | undefined;
  /** Observed workloads (Deployments and StatefulSets) of this KVStore, by `Kind/name`. */
  readonly workloads: ReadonlyMap<string, KubeObject>;
  readonly previous: OperatorStatus | undefined;
  readonly notes: ReconcileNotes;
  readonly now: Date;
}

type CondStatus = KVStoreCondition['status'];

/**
 * KVStore status with `phase` typed as the phase names (the schema builds the union from a list, which TypeBox's
 * static type does not narrow).
 */
export type OperatorStatus = Omit<KVStoreStatus, 'phase'> & { phase?: KVStorePhase };
interface Verdict {
  readonly status: CondStatus;
  readonly reason: string;
  readonly message: string;
}

/** Readiness of one Deployment or StatefulSet, from its spec, status and observedGeneration. */
export function workloadVerdict(kind: 'Deployment' | 'StatefulSet', name: string, o: KubeObject | undefined): Verdict {
  if (!o) return { status: 'False', reason: 'Creating', message: `${kind} ${name} does not exist yet` };
  const spec = (o.spec ?? {}) as { replicas?: number };
  const st = (o.status ?? {}) as Record<string, number | string | undefined>;
  const want = spec.replicas ?? 1;
  const ready = Number(st.readyReplicas ?? 0);
  const updated = Number(st.updatedReplicas ?? 0);
  if (Number(st.observedGeneration ?? 0) < (o.metadata.generation ?? 0)) {
    return { status: 'False', reason: 'Updating', message: `${kind} ${name}: its controller has not seen the change` };
  }
  if (ready < want || updated < want) {
    return {
      status: 'False',
      reason: 'NotReady',
      message: `${kind} ${name}: ${ready}/${want} ready, ${updated} updated`,
    };
  }
  return { status: 'True', reason: 'Ready', message: `${kind} ${name}: ${ready}/${want} ready` };
}

function componentVerdicts(input: StatusInput): Array<[string, Verdict]> {
  const spec = input.spec!;
  const out: Array<[string, Verdict]> = [];
  for (const c of COMPONENTS) {
    const name = `${input.name}-${c.component}`;
    if ('service' in c) {
      const s = spec[c.service];
      if (s.mode === 'external') {
        const secret = connectionSecret({ instance: input.name, spec }, c.service);
        out.push([
          c.condition,
          { status: 'True', reason: 'External', message: `external, URL in Secret ${secret.name}` },
        ]);
        continue;
      }
      out.push([c.condition, workloadVerdict('StatefulSet', name, input.workloads.get(`StatefulSet/${name}`))]);
    } else {
      if (!spec.apps[c.app].enabled) continue;
      const kind = c.app === 'multicastNode' ? 'StatefulSet' : 'Deployment';
      out.push([c.condition, workloadVerdict(kind, name, input.workloads.get(`${kind}/${name}`))]);
    }
  }
  return out;
}

/** Front-door addresses inside the cluster, for enabled apps. */
export function endpointsOf(name: string, namespace: string, spec: KVStoreSpec): KVStoreStatus['endpoints'] {
  const host = (component: string) => `${name}-${component}.${namespace}.svc`;
  const port = (app: 'api' | 'grpcKv' | 'chat') => APPS[app].ports[0]!.port;
  return {
    ...(spec.apps.api.enabled
      ? {
          api: `http://${host(APPS.api.component)}:${port('api')}`,
          web: `http://${host(APPS.api.component)}:${port('api')}/ui/`,
        }
      : {}),
    ...(spec.apps.grpcKv.enabled ? { grpcKv: `${host(APPS.grpcKv.component)}:${port('grpcKv')}` } : {}),
    ...(spec.apps.chat.enabled ? { chat: `${host(APPS.chat.component)}:${port('chat')}` } : {}),
  };
}

/** Names of the Secrets holding each backing service's URL (generated or the user's). */
export function secretsOf(name: string, spec: KVStoreSpec): KVStoreStatus['secrets'] {
  const ctx = { instance: name, spec };
  return {
    cache: connectionSecret(ctx, 'cache').name,
    queue: connectionSecret(ctx, 'queue').name,
    database: connectionSecret(ctx, 'database').name,
  };
}

/**
 * The status a KVStore should have: `Ready`, `Progressing`, `Degraded`, one condition per enabled component,
 * a phase summarising them, endpoints and Secret names. A condition keeps its `lastTransitionTime` while its
 * status stays the same, so recomputing an unchanged platform yields an identical status (and no write).
 */
export function computeStatus(input: StatusInput): OperatorStatus {
  const { notes, generation } = input;
  const verdicts: Array<[string, Verdict]> = [];
  let phase: KVStorePhase;
  if (notes.invalidSpec !== undefined || input.spec === undefined) {
    const message = notes.invalidSpec ?? 'invalid spec';
    phase = 'Failed';
    verdicts.push(['Ready', { status: 'False', reason: 'InvalidSpec', message }]);
    verdicts.push(['Progressing', { status: 'False', reason: 'InvalidSpec', message }]);
    verdicts.push(['Degraded', { status: 'True', reason: 'InvalidSpec', message }]);
  } else {
    const components = componentVerdicts(input);
    const notReady = components.filter(([, v]) => v.status !== 'True');
    const errors = [...(notes.applyErrors ?? []), ...(notes.scaleDownRefused ?? [])];
    const allReady = notReady.length === 0;
    verdicts.push([
      'Ready',
      allReady
        ? { status: 'True', reason: 'AllComponentsReady', message: 'every component is ready' }
        : {
            status: 'False',
            reason: 'ComponentsNotReady',
            message: `not ready: ${notReady.map(([t]) => t.replace(/Ready$/, '')).join(', ')}`,
          },
    ]);
    if (notes.paused) {
      verdicts.push([
        'Progressing',
        { status: 'False', reason: 'Paused', message: 'spec.paused: no changes are made' },
      ]);
    } else if (notes.scaleDownRefused?.length) {
      verdicts.push([
        'Progressing',
        { status: 'False', reason: 'ScaleDownRefused', message: notes.scaleDownRefused.join('; ') },
      ]);
    } else {
      verdicts.push([
        'Progressing',
        allReady
          ? { status: 'False', reason: 'ReconcileComplete', message: 'the platform matches the spec' }
          : { status: 'True', reason: 'ComponentsUpdating', message: 'waiting for components to become ready' },
      ]);
    }
    verdicts.push([
      'Degraded',
      errors.length > 0
        ? {
            status: 'True',
            reason: notes.applyErrors?.length ? 'ApplyFailed' : 'ScaleDownRefused',
            message: errors.join('; '),
          }
        : { status: 'False', reason: 'NoErrors', message: 'no errors' },
    ]);
    verdicts.push(...components);
    phase = notes.paused
      ? 'Paused'
      : errors.length > 0
        ? 'Degraded'
        : allReady
          ? 'Ready'
          : input.workloads.size === 0
            ? 'Pending'
            : 'Progressing';
  }
  const previous = new Map((input.previous?.conditions ?? []).map((c) => [c.type, c]));
  const conditions = verdicts.map(([type, v]): KVStoreCondition => {
    const before = previous.get(type);
    const lastTransitionTime =
      before && before.status === v.status
        ? before.lastTransitionTime
        : input.now.toISOString().replace(/\.\d+Z$/, 'Z');
    return {
      type,
      status: v.status,
      observedGeneration: generation,
      lastTransitionTime,
      reason: v.reason,
      message: v.message,
    };
  });
  return {
    observedGeneration: generation,
    phase,
    conditions,
    ...(input.spec ? { endpoints: endpointsOf(input.name, input.namespace, input.spec) } : {}),
    ...(input.spec ? { secrets: secretsOf(input.name, input.spec) } : {}),
  };
}

/** Structural equality of two statuses (what decides whether the status subresource is written). */
export function sameStatus(a: OperatorStatus | undefined, b: OperatorStatus | undefined): boolean {
  return JSON.stringify(canonical(a ?? {})) === JSON.stringify(canonical(b ?? {}));
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>)
        .filter(([, x]) => x !== undefined)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, x]) => [k, canonical(x)]),
    );
  }
  return v;
}
