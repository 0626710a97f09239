import { Value } from 'typebox/value';
import { type KVStoreSpec, type KVStoreSpecInput, KVStoreSpecSchema } from './kvstore-spec.js';
import type { KVStoreStatus } from './kvstore-status.js';

export const GROUP = 'kverse.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'KVStore';
export const PLURAL = 'kvstores';
export const SINGULAR = 'kvstore';
export const SHORT_NAMES = ['kvs'] as const;

/** A KVStore object as stored by the API server. */
export interface KVStore {
  readonly apiVersion: typeof API_VERSION;
  readonly kind: typeof KIND;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly generation?: number };
  readonly spec: KVStoreSpec;
  readonly status?: KVStoreStatus;
}

/** Raised for a spec the API server would reject; `problems` lists each, with its path. */
export class KVStoreSpecError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid KVStore spec:\n  ${problems.join('\n  ')}`);
    this.name = 'KVStoreSpecError';
  }
}

/**
 * Applies the schema's defaults to `input` (as the API server does on admission) and validates the result.
 * Checks the schema and the same cross-field rules as the CRD's CEL validations. Does not modify `input`.
 * @throws KVStoreSpecError listing every problem found.
 */
export function parseKVStoreSpec(input: KVStoreSpecInput | undefined = {}): KVStoreSpec {
  const spec = Value.Default(KVStoreSpecSchema, structuredClone(input ?? {}));
  const problems = [...Value.Errors(KVStoreSpecSchema, spec)].map((e) => `${e.instancePath || '/'}: ${e.message}`);
  if (problems.length === 0) problems.push(...crossFieldProblems(spec as KVStoreSpec));
  if (problems.length > 0) throw new KVStoreSpecError(problems);
  return spec as KVStoreSpec;
}

/** The CEL rules of the CRD, evaluated in-process so synth and Helm reject what admission would. */
function crossFieldProblems(spec: KVStoreSpec): string[] {
  const problems: string[] = [];
  for (const [name, app] of Object.entries(spec.apps)) {
    if ('autoscaling' in app && app.autoscaling.minReplicas > app.autoscaling.maxReplicas) {
      problems.push(`/apps/${name}/autoscaling/minReplicas: autoscaling.minReplicas must not exceed maxReplicas`);
    }
    checkLimits(`/apps/${name}/resources`, app.resources.limits, problems);
  }
  for (const name of ['cache', 'queue', 'database'] as const) {
    const service = spec[name];
    if (service.mode === 'external' && service.external === undefined) {
      problems.push(`/${name}/external: mode external needs external.secretName`);
    }
    checkLimits(`/${name}/managed/resources`, service.managed.resources.limits, problems);
  }
  for (const [path, tag] of [
    ['/version', spec.version],
    ['/cache/managed/version', spec.cache.managed.version],
    ['/queue/managed/version', spec.queue.managed.version],
    ['/database/managed/version', spec.database.managed.version],
  ] as const) {
    if (tag === 'latest') problems.push(`${path}: pin a version: the tag latest is not reproducible`);
  }
  return problems;
}

function checkLimits(path: string, limits: Record<string, unknown>, problems: string[]): void {
  if (!('cpu' in limits && 'memory' in limits)) problems.push(`${path}: limits must set cpu and memory`);
}
