import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { KVerseOperatorChart } from '@kverse/cdk8s';
import { Testing } from 'cdk8s';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyObject } from '../../src/apply.js';
import type { KubeObject } from '../../src/desired.js';
import type { KubeClients } from '../../src/kube.js';
import type { RunningOperator } from '../../src/operator.js';
import type { OperatorStatus } from '../../src/status.js';
import {
  createNamespace,
  deleteNamespace,
  ensureCluster,
  installCrd,
  KUBECONFIG,
  kubectl,
  kvStorePath,
  patchKVStoreSpec,
  readObject,
  runOperator,
  sample,
  waitFor,
} from './cluster.js';

/**
 * The operator runs with exactly the RBAC the kverse-operator chart grants (its ServiceAccount's token, not the
 * admin certificate): leader election, apply (including Roles that grant what the operator holds), status,
 * Events and pruning all work with it.
 */

let kube: KubeClients;
let ns: string;
let operator: RunningOperator | undefined;
let rbac: KubeObject[] = [];
let kubeconfigPath: string | undefined;
const CLUSTER_SCOPED: Record<string, string> = {
  ClusterRole: 'clusterroles',
  ClusterRoleBinding: 'clusterrolebindings',
};

const kvPath = (name = '') => kvStorePath(ns, name);

beforeAll(async () => {
  kube = ensureCluster();
  await installCrd(kube);
  ns = await createNamespace(kube, 'op-rbac');
  const name = `kverse-operator-${ns}`;
  const chart = Testing.synth(new KVerseOperatorChart(Testing.app(), 'op', { name, namespace: ns })) as KubeObject[];
  rbac = chart.filter((o) =>
    ['ServiceAccount', 'Role', 'RoleBinding', ...Object.keys(CLUSTER_SCOPED)].includes(o.kind),
  );
  for (const o of rbac) {
    const scoped = CLUSTER_SCOPED[o.kind];
    await applyObject(kube.raw, scoped ? o : { ...o, metadata: { ...o.metadata, namespace: ns } }, scoped);
  }
  const token = kubectl('create', 'token', name, '-n', ns, '--duration=1h').trim();
  const admin = new KubeConfig();
  admin.loadFromFile(KUBECONFIG);
  const cluster = admin.getCurrentCluster()!;
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: 'kverse', server: cluster.server, caData: cluster.caData }],
    users: [{ name: 'operator', token }],
    contexts: [{ name: 'operator', cluster: 'kverse', user: 'operator', namespace: ns }],
    currentContext: 'operator',
  });
  const path = join(tmpdir(), `kverse-operator-${ns}.kubeconfig`);
  kubeconfigPath = path;
  writeFileSync(path, config.exportConfig(), { mode: 0o600 });
  operator = await runOperator({ kubeconfig: path, podNamespace: ns, podName: 'rbac-test', resyncSeconds: 5 });
}, 300_000);

afterAll(async () => {
  await operator?.stop();
  if (kubeconfigPath) rmSync(kubeconfigPath, { force: true });
  for (const o of rbac.filter((x) => CLUSTER_SCOPED[x.kind])) {
    await kube.raw
      .request('DELETE', `/apis/rbac.authorization.k8s.io/v1/${CLUSTER_SCOPED[o.kind]}/${o.metadata.name}`)
      .catch(() => undefined);
  }
  if (ns) await deleteNamespace(kube, ns);
});

describe('operator with the chart RBAC', () => {
  it('leads, applies, reports and prunes with only the ServiceAccount the chart creates', async () => {
    await waitFor('leadership', () => operator!.isLeader(), 30_000);
    const s = sample('kvstore-external.yaml');
    await kube.raw.request('POST', kvPath(), { body: { ...s, metadata: { name: 'least', namespace: ns } } });
    const ready = await waitFor('Ready', async () => {
      const kv = await kube.raw.request<KubeObject & { status?: OperatorStatus }>('GET', kvPath('least'));
      return kv.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? kv : undefined;
    });
    expect(ready.status?.phase).toBe('Ready');
    const errors = await operator!.registry.getSingleMetric('kverse_operator_reconcile_errors_total')!.get();
    expect(errors.values.reduce((n, v) => n + v.value, 0)).toBe(0);

    await patchKVStoreSpec(kube, ns, 'least', { apps: { chat: { enabled: false } } });
    await waitFor('chat pruned', async () => !(await readObject(kube, 'apps/v1', 'Deployment', ns, 'least-chat')));
    const events = await kube.core.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=least' });
    expect(events.items.some((e) => e.reason === 'Ready')).toBe(true);
    await kube.raw.request('DELETE', kvPath('least'));
  });
});
