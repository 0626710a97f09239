import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/desired.js';
import type { KubeClients } from '../../src/kube.js';
import type { RunningOperator } from '../../src/operator.js';
import type { OperatorStatus } from '../../src/status.js';
import {
  createNamespace,
  deleteNamespace,
  ensureCluster,
  installCrd,
  kvStorePath,
  patchKVStoreSpec,
  readObject,
  runOperator,
  sample,
  waitFor,
} from './cluster.js';

/** Two operator replicas on one Lease: only the leader reconciles; when it dies, the other takes over. */

let kube: KubeClients;
let ns: string;
const replicas: RunningOperator[] = [];
const LEASE_SECONDS = 3;

const kvPath = (name = '') => kvStorePath(ns, name);
type KVStoreObject = KubeObject & { spec: Record<string, unknown>; status?: OperatorStatus };

async function reconciles(op: RunningOperator): Promise<number> {
  const metric = await op.registry.getSingleMetric('kverse_operator_reconciles_total')!.get();
  return metric.values.reduce((n, v) => n + v.value, 0);
}

beforeAll(async () => {
  kube = ensureCluster();
  await installCrd(kube);
  ns = await createNamespace(kube, 'op-le');
  const common = {
    podNamespace: ns,
    leaseName: 'kverse-operator-test',
    leaseDurationSeconds: LEASE_SECONDS,
    resyncSeconds: 2,
  };
  replicas.push(await runOperator({ ...common, podName: 'replica-a' }));
  replicas.push(await runOperator({ ...common, podName: 'replica-b' }));
}, 300_000);

afterAll(async () => {
  for (const r of replicas) await r.stop().catch(() => undefined);
  if (ns) await deleteNamespace(kube, ns);
});

describe('leader election', () => {
  it('lets exactly one replica lead and reconcile', async () => {
    const leader = await waitFor('a leader', () => replicas.find((r) => r.isLeader()), 30_000);
    const follower = replicas.find((r) => r !== leader)!;
    expect(follower.isLeader()).toBe(false);
    const lease = await kube.coordination.readNamespacedLease({ namespace: ns, name: 'kverse-operator-test' });
    expect(lease.spec?.holderIdentity).toBe(leader.identity);

    const s = sample('kvstore-external.yaml');
    await kube.raw.request('POST', kvPath(), { body: { ...s, metadata: { name: 'le', namespace: ns } } });
    await waitFor('KVStore Ready', async () => {
      const kv = await kube.raw.request<KVStoreObject>('GET', kvPath('le'));
      return kv.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
    });
    expect(await reconciles(leader)).toBeGreaterThan(0);
    expect(await reconciles(follower)).toBe(0);
    expect(follower.controller()).toBeUndefined();
  });

  it('hands over to the other replica when the leader dies without releasing the Lease', async () => {
    const leader = replicas.find((r) => r.isLeader())!;
    const follower = replicas.find((r) => r !== leader)!;
    await leader.stop({ releaseLease: false });
    const started = Date.now();
    await waitFor('the follower to lead', () => follower.isLeader(), (LEASE_SECONDS + 10) * 1000);
    expect(Date.now() - started).toBeGreaterThanOrEqual((LEASE_SECONDS - 1) * 1000);
    await patchKVStoreSpec(kube, ns, 'le', { apps: { api: { autoscaling: { maxReplicas: 4 } } } });
    await waitFor('the new leader to apply the change', async () => {
      const hpa = await readObject(kube, 'autoscaling/v2', 'HorizontalPodAutoscaler', ns, 'le-api');
      return (hpa?.spec as { maxReplicas?: number } | undefined)?.maxReplicas === 4;
    });
    // The HPA is written during the reconcile, the counter moves when it returns: wait for that, not race it.
    await waitFor('the new leader to count its reconcile', async () => (await reconciles(follower)) > 0);
    expect(await reconciles(follower)).toBeGreaterThan(0);
  });
});
