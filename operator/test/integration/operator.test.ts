import { GROUP, parseKVStoreSpec, VERSION } from '@kverse/crd';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteObject } from '../../src/apply.js';
import { desiredObjects, FIELD_MANAGER, type KubeObject, objectKey } from '../../src/desired.js';
import type { KubeClients } from '../../src/kube.js';
import type { RunningOperator } from '../../src/operator.js';
import type { OperatorStatus } from '../../src/status.js';
import { isSubset } from '../../src/subset.js';
import {
  createNamespace,
  deleteNamespace,
  ensureCluster,
  installCrd,
  kubectl,
  kvStorePath,
  patchKVStoreSpec,
  readObject,
  runOperator,
  sample,
  waitFor,
} from './cluster.js';

/**
 * Acceptance of the operator against the real local control plane (kwok nodes): one operator runs in-process;
 * the test drives a KVStore through its life and checks the objects, status, Events and resourceVersions.
 */

const RESYNC_SECONDS = 2;
let kube: KubeClients;
let operator: RunningOperator;
let ns: string;
const NAME = 'small';

type KVStoreObject = KubeObject & { spec: Record<string, unknown>; status?: OperatorStatus };

const kvPath = (name = '') => kvStorePath(ns, name);
const createKVStore = (body: unknown) => kube.raw.request('POST', kvPath(), { body });
const deleteKVStore = (name: string) => kube.raw.request('DELETE', kvPath(name));
const readKVStore = async (name = NAME) => kube.raw.request<KVStoreObject>('GET', kvPath(name));
const patchSpec = async (spec: Record<string, unknown>, name = NAME) =>
  (await patchKVStoreSpec(kube, ns, name, spec)).metadata.generation!;
const condition = (kv: KVStoreObject, type: string) => kv.status?.conditions?.find((c) => c.type === type);

/** Objects (of every managed kind) controlled by the KVStore, live from the API server. */
async function ownedObjects(uid: string): Promise<KubeObject[]> {
  return operator
    .controller()!
    .ownedBy(ns, uid)
    .map((o) => o);
}

/** Waits until the KVStore reports Ready for its current generation. */
async function waitReady(name = NAME, timeoutMs = 90_000): Promise<KVStoreObject> {
  return waitFor(
    `${name} Ready`,
    async () => {
      const kv = await readKVStore(name);
      return kv.status?.observedGeneration === kv.metadata.generation && condition(kv, 'Ready')?.status === 'True'
        ? kv
        : undefined;
    },
    timeoutMs,
  );
}

/** The time of the operator's managed-fields entry: it changes only when an apply changed the object. */
function appliedAt(o: KubeObject): string | undefined {
  const entries = (o.metadata.managedFields ?? []) as Array<{ manager?: string; operation?: string; time?: string }>;
  return entries.find((e) => e.manager === FIELD_MANAGER && e.operation === 'Apply')?.time;
}

async function liveDesired(kv: KVStoreObject): Promise<Array<{ desired: KubeObject; live: KubeObject | undefined }>> {
  const desired = desiredObjects({ name: NAME, namespace: ns, uid: kv.metadata.uid! }, parseKVStoreSpec(kv.spec));
  return Promise.all(
    desired.map(async (d) => ({
      desired: d,
      live: await readObject(kube, d.apiVersion, d.kind, ns, d.metadata.name),
    })),
  );
}

async function events(reason: string): Promise<string[]> {
  const list = await kube.core.listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.name=${NAME}` });
  return list.items.filter((e) => e.reason === reason).map((e) => e.message ?? '');
}

beforeAll(async () => {
  kube = ensureCluster();
  await installCrd(kube);
  ns = await createNamespace(kube, 'op-it');
  operator = await runOperator({ leaderElection: false, resyncSeconds: RESYNC_SECONDS, workers: 2 });
}, 300_000);

afterAll(async () => {
  await operator?.stop();
  if (ns) {
    // Claims outlive the KVStore by policy; remove them so the volumes return to the pool.
    await kube.core.deleteCollectionNamespacedPersistentVolumeClaim({ namespace: ns }).catch(() => undefined);
    await deleteNamespace(kube, ns);
  }
});

describe('KVStore operator on the local control plane', () => {
  it('creates every expected object with owner, labels and spec, and reports Ready', async () => {
    const s = sample('kvstore-small.yaml');
    await createKVStore({ ...s, metadata: { ...s.metadata, namespace: ns } });
    const kv = await waitReady();
    expect(kv.status?.phase).toBe('Ready');
    expect(condition(kv, 'ApiReady')?.status).toBe('True');
    expect(condition(kv, 'CacheReady')?.status).toBe('True');
    expect(kv.status?.endpoints?.api).toBe(`http://small-api.${ns}.svc:8000`);
    expect(kv.status?.secrets?.database).toBe('small-cockroachdb');
    const pairs = await liveDesired(kv);
    expect(pairs.length).toBeGreaterThan(40);
    for (const { desired, live } of pairs) {
      expect(live, objectKey(desired)).toBeDefined();
      expect(live!.metadata.ownerReferences?.[0]).toMatchObject({
        kind: 'KVStore',
        name: NAME,
        uid: kv.metadata.uid,
        controller: true,
      });
      expect(live!.metadata.labels).toMatchObject({
        'app.kubernetes.io/instance': NAME,
        'app.kubernetes.io/managed-by': 'kverse-operator',
      });
      expect(isSubset(desired, live), `${objectKey(desired)} matches its desired spec`).toBe(true);
    }
  });

  it('kubectl get kvstore shows the printer columns', () => {
    const out = kubectl('get', 'kvstore', '-n', ns);
    expect(out).toMatch(/NAME\s+READY\s+PHASE\s+API ENDPOINT\s+AGE/);
    expect(out).toMatch(new RegExp(`small\\s+True\\s+Ready\\s+http://small-api\\.${ns}\\.svc:8000`));
  });

  it('makes no writes while idle: resourceVersions stay put across several resyncs', async () => {
    const kv = await readKVStore();
    const before = new Map(
      (await ownedObjects(kv.metadata.uid!)).map((o) => [objectKey(o), o.metadata.resourceVersion]),
    );
    const reconcilesBefore = await reconcileCount();
    await new Promise((r) => setTimeout(r, RESYNC_SECONDS * 3500));
    expect(await reconcileCount()).toBeGreaterThanOrEqual(reconcilesBefore + 3);
    const after = new Map(
      (await ownedObjects(kv.metadata.uid!)).map((o) => [objectKey(o), o.metadata.resourceVersion]),
    );
    const changed = [...after].filter(([k, rv]) => before.get(k) !== rv).map(([k]) => k);
    expect(changed).toEqual([]);
    expect((await readKVStore()).metadata.resourceVersion).toBe(kv.metadata.resourceVersion);
  });

  it('recreates a deleted Service and Deployment', async () => {
    const svc = await readObject(kube, 'v1', 'Service', ns, 'small-api');
    const dep = await readObject(kube, 'apps/v1', 'Deployment', ns, 'small-consumer');
    await deleteObject(kube.raw, svc!);
    await deleteObject(kube.raw, dep!);
    await waitFor('Service recreated', async () => {
      const now = await readObject(kube, 'v1', 'Service', ns, 'small-api');
      return now && now.metadata.uid !== svc!.metadata.uid;
    });
    await waitFor('Deployment recreated', async () => {
      const now = await readObject(kube, 'apps/v1', 'Deployment', ns, 'small-consumer');
      return now && now.metadata.uid !== dep!.metadata.uid;
    });
    await waitReady();
  });

  it('refuses to shrink a running stateful component until the user allows it', async () => {
    const stsGeneration = async () =>
      (await readObject(kube, 'apps/v1', 'StatefulSet', ns, 'small-redis'))!.metadata.generation;
    const before = await stsGeneration();
    const generation = await patchSpec({ cache: { managed: { replicas: 1 } } });
    const kv = await waitFor('scale-down refused', async () => {
      const k = await readKVStore();
      return k.status?.observedGeneration === generation && condition(k, 'Degraded')?.reason === 'ScaleDownRefused'
        ? k
        : undefined;
    });
    expect(kv.status?.phase).toBe('Degraded');
    expect(condition(kv, 'Degraded')?.message).toContain('kverse.dev/allow-scale-down');
    expect(
      ((await readObject(kube, 'apps/v1', 'StatefulSet', ns, 'small-redis'))!.spec as { replicas: number }).replicas,
    ).toBe(2);
    // Nothing of it changed: a pod template made for one replica (its Sentinel quorum) would have rolled every pod.
    expect(await stsGeneration()).toBe(before);
    await waitFor('ScaleDownRefused-related Event', async () => (await events('Degraded')).length > 0);
    await kubectl('annotate', 'kvstore', NAME, '-n', ns, 'kverse.dev/allow-scale-down=true');
    await waitFor('StatefulSet scaled down', async () => {
      const sts = await readObject(kube, 'apps/v1', 'StatefulSet', ns, 'small-redis');
      return (sts!.spec as { replicas: number }).replicas === 1;
    });
    await waitReady();
  });

  it('changes exactly the affected objects on a spec change, and prunes what is no longer wanted', async () => {
    const before = await readKVStore();
    const oldDesired = desiredObjects(
      { name: NAME, namespace: ns, uid: before.metadata.uid! },
      parseKVStoreSpec(before.spec),
    );
    const oldLive = new Map((await ownedObjects(before.metadata.uid!)).map((o) => [objectKey(o), appliedAt(o)]));
    // managedFields times have one-second resolution: make sure a new apply gets a different time.
    await new Promise((r) => setTimeout(r, 1100));
    const change = {
      apps: {
        consumer: { replicas: 2 },
        api: { autoscaling: { maxReplicas: 5 } },
        chat: { enabled: false },
      },
      cache: { mode: 'external', external: { secretName: 'external-redis' } },
    };
    await patchSpec(change);
    const kv = await waitReady();
    const newDesired = desiredObjects({ name: NAME, namespace: ns, uid: kv.metadata.uid! }, parseKVStoreSpec(kv.spec));
    const oldByKey = new Map(oldDesired.map((o) => [objectKey(o), o]));
    const expectedChanged = newDesired
      .filter((o) => JSON.stringify(o) !== JSON.stringify(oldByKey.get(objectKey(o))))
      .map(objectKey)
      .sort();
    const live = await ownedObjects(kv.metadata.uid!);
    const actuallyChanged = live
      .filter((o) => appliedAt(o) !== oldLive.get(objectKey(o)))
      .map(objectKey)
      .sort();
    expect(actuallyChanged).toEqual(expectedChanged);
    const liveKeys = new Set(live.map(objectKey));
    const wanted = new Set(newDesired.map(objectKey));
    expect([...liveKeys].filter((k) => !wanted.has(k))).toEqual([]);
    expect(liveKeys.has('apps/v1/StatefulSet/small-redis')).toBe(false);
    expect(liveKeys.has('apps/v1/Deployment/small-chat')).toBe(false);
    expect(await readObject(kube, 'apps/v1', 'StatefulSet', ns, 'small-redis')).toBeUndefined();
    const hpa = await readObject(kube, 'autoscaling/v2', 'HorizontalPodAutoscaler', ns, 'small-api');
    expect((hpa!.spec as { maxReplicas: number }).maxReplicas).toBe(5);
    const consumer = await readObject(kube, 'apps/v1', 'Deployment', ns, 'small-consumer');
    expect((consumer!.spec as { replicas: number }).replicas).toBe(2);
    expect(condition(kv, 'ChatReady')).toBeUndefined();
    expect(condition(kv, 'CacheReady')?.reason).toBe('External');
  });

  it('changes nothing while paused, and says so in status and Events', async () => {
    const generation = await patchSpec({ paused: true });
    await waitFor('Paused phase', async () => {
      const k = await readKVStore();
      return (
        k.status?.observedGeneration === generation &&
        k.status.phase === 'Paused' &&
        condition(k, 'Progressing')?.reason === 'Paused'
      );
    });
    await waitFor('Paused Event', async () => (await events('Paused')).length > 0);
    await patchSpec({ apps: { api: { autoscaling: { maxReplicas: 8 } } } });
    const svc = await readObject(kube, 'v1', 'Service', ns, 'small-grpc-kv');
    await deleteObject(kube.raw, svc!);
    await new Promise((r) => setTimeout(r, RESYNC_SECONDS * 2000));
    const hpa = await readObject(kube, 'autoscaling/v2', 'HorizontalPodAutoscaler', ns, 'small-api');
    expect((hpa!.spec as { maxReplicas: number }).maxReplicas).toBe(5);
    expect(await readObject(kube, 'v1', 'Service', ns, 'small-grpc-kv')).toBeUndefined();
    await patchSpec({ paused: false });
    await waitReady();
    await waitFor('HPA follows the spec after resuming', async () => {
      const h = await readObject(kube, 'autoscaling/v2', 'HorizontalPodAutoscaler', ns, 'small-api');
      return (h!.spec as { maxReplicas: number }).maxReplicas === 8;
    });
    expect(await readObject(kube, 'v1', 'Service', ns, 'small-grpc-kv')).toBeDefined();
  });

  it('rejects invalid specs at admission with clear messages', async () => {
    const attempt = async (spec: Record<string, unknown>) => {
      try {
        await createKVStore({
          apiVersion: `${GROUP}/${VERSION}`,
          kind: 'KVStore',
          metadata: { name: 'bad', namespace: ns },
          spec,
        });
        return 'accepted';
      } catch (err) {
        return JSON.stringify((err as { body?: unknown }).body);
      }
    };
    expect(await attempt({ apps: { api: { autoscaling: { minReplicas: 5, maxReplicas: 2 } } } })).toContain(
      'autoscaling.minReplicas must not exceed maxReplicas',
    );
    expect(await attempt({ version: 'latest' })).toContain('pin a version');
    expect(await attempt({ cache: { mode: 'external' } })).toContain('mode external needs external.secretName');
    expect(await attempt({ apps: { api: { replicas: 1000 } } })).toMatch(/replicas.*(less than or equal to 100|100)/);
  });

  it('refuses to change the size or class of the claims of a stateful component once set', async () => {
    const change = (managed: Record<string, unknown>) =>
      patchSpec({ cache: { managed } }).then(
        () => 'accepted',
        (err: unknown) => JSON.stringify((err as { body?: unknown }).body ?? (err as Error).message),
      );
    expect(await change({ storage: '9Gi' })).toContain('resize the PersistentVolumeClaims themselves');
    expect(await change({ storageClassName: 'fast' })).toContain('cannot change once set');
    // Sending the size it has is no change.
    const current = (await readKVStore()).spec as { cache: { managed: { storage: string } } };
    expect(await change({ storage: current.cache.managed.storage })).toBe('accepted');
  });

  it('keeps running on a KVStore the API server accepted but cannot be applied, and says what is wrong', async () => {
    const s = sample('kvstore-external.yaml');
    await createKVStore({
      ...s,
      metadata: { name: 'monitored', namespace: ns },
      spec: { ...s.spec, monitoring: { serviceMonitors: { enabled: true } } },
    });
    const kv = await waitFor('Degraded with the reason', async () => {
      const k = await readKVStore('monitored');
      return k.status?.phase === 'Degraded' ? k : undefined;
    });
    expect(condition(kv, 'Degraded')?.message).toMatch(/ServiceMonitor/);
    // The operator still serves other KVStores.
    await patchSpec({ apps: { api: { autoscaling: { maxReplicas: 6 } } } });
    await waitReady();
    await deleteKVStore('monitored');
  });

  it('removes every object with the KVStore; claims stay (documented retention policy)', async () => {
    const kv = await readKVStore();
    const uid = kv.metadata.uid!;
    await deleteKVStore(NAME);
    await waitFor('owned objects garbage-collected', async () => (await ownedObjects(uid)).length === 0, 90_000);
    const claims = await kube.core.listNamespacedPersistentVolumeClaim({ namespace: ns });
    expect(claims.items.length).toBeGreaterThan(0);
    expect((await kube.core.listNamespace()).items.some((n) => n.metadata?.name === ns)).toBe(true);
  });
});

async function reconcileCount(): Promise<number> {
  const metric = await operator.registry.getSingleMetric('kverse_operator_reconciles_total')!.get();
  return metric.values.reduce((n, v) => n + v.value, 0);
}
