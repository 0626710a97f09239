import { parseAllDocuments } from 'yaml';
import type { KubeObject, KubeTools } from './cluster/kube-tools.js';

export const PLATFORM_CHART = 'charts/kverse';
export const OPERATOR_CHART = 'charts/kverse-operator';

/** `--set` arguments from a flat map of value paths (`apps.api.replicas` → `3`). */
export function setArgs(values: Readonly<Record<string, string | number | boolean>>): string[] {
  return Object.entries(values).flatMap(([path, value]) => ['--set', `${path}=${value}`]);
}

/** What `helm template` renders for these values: the objects the chart would create (hooks included). */
export async function renderChart(
  tools: KubeTools,
  options: {
    readonly chart: string;
    readonly release: string;
    readonly namespace: string;
    readonly values?: Readonly<Record<string, string | number | boolean>>;
  },
): Promise<KubeObject[]> {
  const yaml = await tools.helm([
    'template',
    options.release,
    options.chart,
    '--namespace',
    options.namespace,
    ...setArgs(options.values ?? {}),
  ]);
  return parseObjects(yaml);
}

/** The objects of a multi-document YAML stream (what `helm template` and `helm get manifest` print). */
export function parseObjects(yaml: string): KubeObject[] {
  return parseAllDocuments(yaml)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null);
}

/** One `env` entry of a container, as in a pod template. */
export interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: {
    readonly secretKeyRef?: { readonly name: string; readonly key: string };
    readonly fieldRef?: { readonly fieldPath: string };
  };
}

interface PodTemplateOwner {
  readonly spec: { readonly template: { readonly spec: { readonly containers: ReadonlyArray<{ env?: EnvVar[] }> } } };
}

/** The environment of the first container of the Deployment or StatefulSet with this component label. */
export function workloadEnv(objects: readonly KubeObject[], component: string): EnvVar[] {
  const workload = objects.find(
    (o) =>
      (o.kind === 'Deployment' || o.kind === 'StatefulSet') &&
      o.metadata.labels?.['app.kubernetes.io/component'] === component,
  );
  if (!workload) throw new Error(`the chart renders no Deployment or StatefulSet for component ${component}`);
  return [...((workload as unknown as PodTemplateOwner).spec.template.spec.containers[0]?.env ?? [])];
}
