import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { KubeObject, KubeTools } from './kube-tools.js';

/** `Kind/name`: unique within one namespace for the objects of a chart. */
export function objectKey(o: Pick<KubeObject, 'kind' | 'metadata'>): string {
  return `${o.kind}/${o.metadata.name}`;
}

/** Hooks (credential Jobs, the test pod) are not part of a release's manifest and are not compared. */
export function isHook(o: KubeObject): boolean {
  return o.metadata.annotations?.['helm.sh/hook'] !== undefined;
}

/**
 * The live objects the API server holds for `objects` (read with `kubectl get -f`, so every kind resolves through
 * discovery), keyed by {@link objectKey}. With `allowMissing`, absent objects are left out instead of failing.
 */
export async function liveObjects(
  tools: KubeTools,
  objects: readonly KubeObject[],
  namespace: string,
  allowMissing = false,
): Promise<Map<string, KubeObject>> {
  if (objects.length === 0) return new Map();
  const dir = mkdtempSync(join(tmpdir(), 'kverse-e2e-objects-'));
  try {
    const file = join(dir, 'objects.yaml');
    writeFileSync(file, objects.map((o) => stringify(o)).join('---\n'));
    const args = ['get', '-f', file, '-n', namespace, '-o', 'json', ...(allowMissing ? ['--ignore-not-found'] : [])];
    const out = await tools.kubectl(args);
    if (out.trim() === '') return new Map();
    const parsed = JSON.parse(out) as KubeObject | { kind: 'List'; items: KubeObject[] };
    const items = 'items' in parsed ? parsed.items : [parsed];
    return new Map(items.map((o) => [objectKey(o), o]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * What changes when an object is written again: its generation where it has one (bumped by spec changes only),
 * else its content without metadata and status (whose resourceVersion moves with every status update).
 */
export function revisionOf(o: KubeObject): string {
  if (o.metadata.generation !== undefined) return `generation ${o.metadata.generation}`;
  const { metadata, status: _status, ...content } = o;
  return JSON.stringify({ labels: metadata.labels, annotations: metadata.annotations, ...content });
}

/** A Deployment or StatefulSet whose controller has seen its spec and has every replica ready. */
export function workloadReady(o: KubeObject): boolean {
  const spec = o.spec as { replicas?: number };
  const status = (o.status ?? {}) as { readyReplicas?: number; updatedReplicas?: number; observedGeneration?: number };
  const want = spec.replicas ?? 1;
  return (
    status.observedGeneration === o.metadata.generation &&
    (status.readyReplicas ?? 0) === want &&
    (status.updatedReplicas ?? 0) === want
  );
}
