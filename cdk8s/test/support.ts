import type { KVStoreSpecInput } from '@kverse/crd';
import { Testing } from 'cdk8s';
import { KVersePlatform } from '../src/index.js';

/** A manifest object, loosely typed for inspection. */
// biome-ignore lint/suspicious/noExplicitAny: tests walk arbitrary Kubernetes objects
export type K8sObject = Record<string, any>;

export function synthPlatform(spec: KVStoreSpecInput = {}, name = 'kverse'): K8sObject[] {
  return Testing.synth(new KVersePlatform(Testing.app(), 'test', { name, spec }));
}

export const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'Job']);

export function podSpecOf(o: K8sObject): K8sObject | undefined {
  return WORKLOAD_KINDS.has(o.kind) ? o.spec.template.spec : o.kind === 'Pod' ? o.spec : undefined;
}

export function component(o: K8sObject): string {
  return o.metadata.labels?.['app.kubernetes.io/component'];
}

export function find(objects: K8sObject[], kind: string, name: string): K8sObject | undefined {
  return objects.find((o) => o.kind === kind && o.metadata.name === name);
}
