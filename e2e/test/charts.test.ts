import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR_CHART, PLATFORM_CHART, parseObjects, renderChart, setArgs } from '../src/chart.js';
import { type KubeObject, type KubeTools, localControlPlane } from '../src/cluster/kube-tools.js';
import { isHook, liveObjects, objectKey, revisionOf, workloadReady } from '../src/cluster/release.js';
import { createRunNamespace, sweepDeadRuns } from '../src/cluster/run-namespaces.js';
import { prepareKindCluster } from '../src/kind/kind-cluster.js';
import { E2E_IMAGE_TAG } from '../src/kind/kind-commands.js';
import { RELEASE } from '../src/local/local-platform.js';
import { openPlatform } from '../src/platform.js';
import { providerFromEnv, runId } from '../src/provider.js';
import { eventually } from '../src/run-command.js';

/**
 * Both charts through a release's whole life on a real API server: install (operator chart first: it has the
 * CRD), upgrade with changed values, rollback, `helm test`, uninstall. On the local control plane kwok plays the
 * nodes, so pods become Ready without running; on kind they really run.
 */
const provider = providerFromEnv();
const id = runId();
const namespace = `kverse-e2e-charts-${id}`;
// The operator chart's ClusterRole and ClusterRoleBinding are named after its release: unique per run.
const operatorRelease = `kverse-operator-${id}`;
const CRD = 'kvstores.kverse.dev';

let tools: KubeTools;
/** Values every install uses: the suite's images on kind, the chart defaults on the local control plane. */
let baseValues: Record<string, string>;

const manifest = async (release: string): Promise<KubeObject[]> =>
  parseObjects(await tools.helm(['get', 'manifest', release, '-n', namespace]));

const workloads = (objects: Iterable<KubeObject>) =>
  [...objects].filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');

/**
 * Waits until every Deployment and StatefulSet of the release is ready and every autoscaled Deployment has at
 * least its autoscaler's minReplicas (the HPA controller scales up to that without metrics), so that nothing a
 * controller still has to do is mistaken for a change made by Helm.
 */
async function waitWorkloadsReady(release: string): Promise<KubeObject[]> {
  let live: KubeObject[] = [];
  let unscaled: string[] = [];
  await eventually(
    async () => {
      const objects = [...(await liveObjects(tools, await manifest(release), namespace)).values()];
      live = workloads(objects);
      unscaled = objects
        .filter((o) => o.kind === 'HorizontalPodAutoscaler')
        .filter((hpa) => {
          const spec = hpa.spec as { minReplicas: number; scaleTargetRef: { name: string } };
          const target = live.find((o) => o.kind === 'Deployment' && o.metadata.name === spec.scaleTargetRef.name);
          return ((target?.spec as { replicas?: number } | undefined)?.replicas ?? 0) < spec.minReplicas;
        })
        .map(objectKey);
      return live.every(workloadReady) && unscaled.length === 0;
    },
    () =>
      `not ready: ${live.filter((o) => !workloadReady(o)).map((o) => `${objectKey(o)} ${JSON.stringify(o.status)}`)}; ` +
      `below minReplicas: ${unscaled}`,
    provider === 'kind' ? 600_000 : 120_000,
    1000,
  );
  return live;
}

beforeAll(async () => {
  if (provider === 'kind') {
    const cluster = await prepareKindCluster();
    if (!cluster.operatorImage) {
      throw new Error(
        'the kind provider needs operator/Dockerfile to run the operator chart (its image is built from it)',
      );
    }
    tools = cluster.tools;
    // The suite's images, and one replica of each backing service: these pods really run on kind.
    baseValues = {
      version: E2E_IMAGE_TAG,
      'cache.managed.replicas': '1',
      'queue.managed.replicas': '1',
      'database.managed.replicas': '1',
    };
  } else {
    tools = await localControlPlane();
    baseValues = {};
  }
  await sweepDeadRuns(tools, (ns) => {
    const runOf = ns.replace(/^kverse-e2e-charts-/, '');
    return runOf === ns ? [] : [`clusterrole/kverse-operator-${runOf}`, `clusterrolebinding/kverse-operator-${runOf}`];
  });
  await createRunNamespace(tools, namespace);
}, 900_000);

afterAll(async () => {
  if (!tools) return;
  await tools.helm(['uninstall', RELEASE, '-n', namespace, '--wait']).catch(() => undefined);
  await tools.helm(['uninstall', operatorRelease, '-n', namespace, '--wait']).catch(() => undefined);
  // Namespace deletion takes ~15 s under kwok; nothing waits for it (PVCs go with it, and the pool's recycler
  // returns their volumes).
  await tools.kubectl(['delete', 'namespace', namespace, '--wait=false']).catch(() => undefined);
});

describe(`charts on the ${provider === 'local' ? 'local control plane (kwok nodes)' : 'kind cluster'}`, () => {
  it('helm install of the operator chart: CRD established, every object created, the operator Deployment ready', async () => {
    await tools.helm([
      'install',
      operatorRelease,
      OPERATOR_CHART,
      '-n',
      namespace,
      '--wait',
      '--timeout',
      '5m',
      ...setArgs(baseValues),
    ]);
    const crd = await tools.get([`crd/${CRD}`]);
    const conditions = (crd.status as { conditions: Array<{ type: string; status: string }> }).conditions;
    expect(conditions.find((c) => c.type === 'Established')?.status).toBe('True');
    const objects = await manifest(operatorRelease);
    const live = await liveObjects(tools, objects, namespace);
    expect([...live.keys()].sort()).toEqual(objects.map(objectKey).sort());
    expect(objects.map((o) => o.kind)).toEqual(
      expect.arrayContaining(['ClusterRole', 'ClusterRoleBinding', 'Deployment']),
    );
    for (const o of workloads(live.values())) expect(workloadReady(o), objectKey(o)).toBe(true);
    // The API server knows the KVStore kind now (served by the CRD).
    expect(await tools.kubectl(['api-resources', '--api-group=kverse.dev', '-o', 'name'])).toContain(CRD);
  });

  it('helm install of the platform chart: every object accepted, Deployments and StatefulSets ready, volumes bound', async () => {
    await tools.helm([
      'install',
      RELEASE,
      PLATFORM_CHART,
      '-n',
      namespace,
      '--wait',
      '--wait-for-jobs',
      '--timeout',
      provider === 'kind' ? '15m' : '5m',
      ...setArgs(baseValues),
    ]);
    const objects = await manifest(RELEASE);
    const rendered = (
      await renderChart(tools, { chart: PLATFORM_CHART, release: RELEASE, namespace, values: baseValues })
    ).filter((o) => !isHook(o));
    expect(objects.map(objectKey).sort()).toEqual(rendered.map(objectKey).sort());
    const live = await liveObjects(tools, objects, namespace);
    expect([...live.keys()].sort()).toEqual(objects.map(objectKey).sort());
    const ready = await waitWorkloadsReady(RELEASE);
    expect(ready.map(objectKey).sort()).toEqual([
      'Deployment/kverse-api',
      'Deployment/kverse-chat',
      'Deployment/kverse-consumer',
      'Deployment/kverse-grpc-kv',
      'StatefulSet/kverse-cockroachdb',
      'StatefulSet/kverse-multicast-node',
      'StatefulSet/kverse-rabbitmq',
      'StatefulSet/kverse-redis',
    ]);
    const claims = await tools.list(['pvc', '-n', namespace]);
    expect(claims.length).toBeGreaterThan(0);
    for (const c of claims) expect((c.status as { phase: string }).phase, c.metadata.name).toBe('Bound');
    // The pre-install hooks (credential Jobs) ran to completion before the release was marked deployed.
    const status = JSON.parse(await tools.helm(['status', RELEASE, '-n', namespace, '-o', 'json'])) as {
      info: { status: string };
      version: number;
    };
    expect(status).toMatchObject({ info: { status: 'deployed' }, version: 1 });
  });

  it('helm upgrade with changed values changes exactly the objects whose rendering changed', async () => {
    const changes = {
      'apps.api.autoscaling.enabled': 'false',
      'apps.api.replicas': '3',
      'apps.chat.enabled': 'false',
    };
    const render = async (values: Record<string, string>) =>
      new Map(
        (await renderChart(tools, { chart: PLATFORM_CHART, release: RELEASE, namespace, values }))
          .filter((o) => !isHook(o))
          .map((o) => [objectKey(o), JSON.stringify(o)]),
      );
    const before = await render(baseValues);
    const after = await render({ ...baseValues, ...changes });
    const removed = [...before.keys()].filter((k) => !after.has(k)).sort();
    const changed = [...before.keys()].filter((k) => after.has(k) && after.get(k) !== before.get(k)).sort();
    const unchanged = [...before.keys()].filter((k) => after.get(k) === before.get(k));
    // What these values should touch: the api's Deployment (replicas), its autoscaler, and all of chat — plus the
    // policies that let chat reach Redis.
    expect(removed).toEqual(expect.arrayContaining(['HorizontalPodAutoscaler/kverse-api', 'Deployment/kverse-chat']));
    expect(removed.every((k) => k === 'HorizontalPodAutoscaler/kverse-api' || k.endsWith('/kverse-chat'))).toBe(true);
    expect(changed).toContain('Deployment/kverse-api');
    expect(changed.filter((k) => !k.startsWith('NetworkPolicy/'))).toEqual(['Deployment/kverse-api']);

    const liveBefore = await liveObjects(tools, await manifest(RELEASE), namespace);
    await tools.helm([
      'upgrade',
      RELEASE,
      PLATFORM_CHART,
      '-n',
      namespace,
      '--reuse-values',
      '--wait',
      '--timeout',
      '5m',
      ...setArgs(changes),
    ]);
    const objects = await manifest(RELEASE);
    const liveAfter = await liveObjects(tools, objects, namespace);
    expect([...liveAfter.keys()].sort()).toEqual([...after.keys()].sort());
    const gone = await liveObjects(
      tools,
      removed.map((k) => {
        const [kind, name] = k.split('/') as [string, string];
        const apiVersion = JSON.parse(before.get(k) as string).apiVersion as string;
        return { apiVersion, kind, metadata: { name } };
      }),
      namespace,
      true,
    );
    expect([...gone.keys()], 'objects the upgrade should have deleted').toEqual([]);
    const rewritten: string[] = [];
    for (const key of unchanged) {
      const [was, is] = [liveBefore.get(key)!, liveAfter.get(key)!];
      expect(is.metadata.uid, key).toBe(was.metadata.uid);
      if (revisionOf(is) !== revisionOf(was)) rewritten.push(key);
    }
    expect(rewritten, 'objects rewritten although their rendering did not change').toEqual([]);
    for (const key of changed) {
      const [was, is] = [liveBefore.get(key)!, liveAfter.get(key)!];
      expect(is.metadata.uid, key).toBe(was.metadata.uid);
      expect(revisionOf(is), `${key} should have been updated`).not.toBe(revisionOf(was));
    }
    const api = liveAfter.get('Deployment/kverse-api')!;
    expect((api.spec as { replicas: number }).replicas).toBe(3);
    // A scale, not a rollout: the pod template (and so the ReplicaSet) is the one from before.
    expect(JSON.stringify((api.spec as { template: unknown }).template)).toBe(
      JSON.stringify((liveBefore.get('Deployment/kverse-api')!.spec as { template: unknown }).template),
    );
    const ready = await waitWorkloadsReady(RELEASE);
    expect(ready.find((o) => o.metadata.name === 'kverse-api')?.status).toMatchObject({ readyReplicas: 3 });
  });

  it('helm rollback restores the first revision (chat and the api autoscaler come back)', async () => {
    await tools.helm(['rollback', RELEASE, '1', '-n', namespace, '--wait', '--timeout', '5m']);
    const live = await liveObjects(tools, await manifest(RELEASE), namespace);
    expect(live.has('Deployment/kverse-chat')).toBe(true);
    expect(live.has('HorizontalPodAutoscaler/kverse-api')).toBe(true);
    await waitWorkloadsReady(RELEASE);
    const history = JSON.parse(await tools.helm(['history', RELEASE, '-n', namespace, '-o', 'json'])) as Array<{
      revision: number;
      status: string;
    }>;
    expect(history.map((h) => [h.revision, h.status])).toEqual([
      [1, 'superseded'],
      [2, 'superseded'],
      [3, 'deployed'],
    ]);
  });

  it('helm test creates a well-formed put/get pod, and passes when that pod succeeds', async () => {
    const pod = `${RELEASE}-test-put-get`;
    const result = new Promise<{ ok: boolean; output: string }>((resolve) => {
      const command = tools.helmCommand(['test', RELEASE, '-n', namespace, '--timeout', '5m']);
      execFile(command.program, [...command.args], { env: tools.env }, (err, stdout, stderr) =>
        resolve({ ok: !err, output: `${stdout}${stderr}` }),
      );
    });
    let created: KubeObject | undefined;
    await eventually(
      async () => {
        created = (await tools.list(['pods', '-n', namespace, '--field-selector', `metadata.name=${pod}`]))[0];
        return created !== undefined;
      },
      () => `helm test created no pod ${pod}`,
    );
    const spec = created!.spec as {
      restartPolicy: string;
      securityContext: { runAsNonRoot: boolean };
      containers: Array<{
        name: string;
        image: string;
        command: string[];
        env: Array<{ name: string; value?: string; valueFrom?: unknown }>;
        securityContext: { readOnlyRootFilesystem: boolean; allowPrivilegeEscalation: boolean };
      }>;
    };
    expect(created!.metadata.annotations?.['helm.sh/hook']).toBe('test');
    expect(spec.restartPolicy).toBe('Never');
    expect(spec.securityContext.runAsNonRoot).toBe(true);
    const [container] = spec.containers;
    expect(container!.image).toBe(`kverse/api:${baseValues.version ?? '0.1.0'}`);
    expect(container!.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(container!.env).toEqual([
      { name: 'API_URL', value: `http://${RELEASE}-api:8000` },
      {
        name: 'KVERSE_TOKEN',
        valueFrom: { secretKeyRef: { name: `${RELEASE}-auth-tokens`, key: 'admin-token', optional: true } },
      },
    ]);
    expect(container!.command.slice(0, 2)).toEqual(['node', '-e']);

    if (provider === 'local') {
      // No kubelet runs it under kwok: run the pod's own script against the chart's apps as local processes (the
      // api applies a write only once a consumer did), then report its outcome on the pod as a kubelet would;
      // helm test must then report the same.
      let exit: { code: number; output: string };
      try {
        const platform = await openPlatform('local');
        try {
          exit = await new Promise((resolve) =>
            execFile(
              process.execPath,
              container!.command.slice(1),
              {
                env: { PATH: process.env.PATH, API_URL: platform.restUrl, KVERSE_TOKEN: platform.token },
                timeout: 60_000,
              },
              (err, stdout, stderr) => resolve({ code: err ? 1 : 0, output: `${stdout}${stderr}` }),
            ),
          );
        } finally {
          await platform.close();
        }
      } catch (err) {
        // Still end the pod (as Failed), so helm test returns and the release can be uninstalled cleanly.
        exit = { code: 1, output: `could not run the test pod's script: ${(err as Error).message}` };
      }
      await tools.kubectl([
        'patch',
        'pod',
        pod,
        '-n',
        namespace,
        '--subresource=status',
        '--type=merge',
        '-p',
        JSON.stringify({
          status: {
            phase: exit.code === 0 ? 'Succeeded' : 'Failed',
            containerStatuses: [
              {
                name: container!.name,
                ready: false,
                restartCount: 0,
                image: container!.image,
                imageID: '',
                state: { terminated: { exitCode: exit.code, reason: exit.code === 0 ? 'Completed' : 'Error' } },
              },
            ],
          },
        }),
      ]);
      expect(exit.output).toMatch(/put and got helm-test\//);
      expect(exit.code, exit.output).toBe(0);
    }
    const { ok, output } = await result;
    expect(ok, output).toBe(true);
    expect(output).toMatch(/TEST SUITE:\s+kverse-test-put-get[\s\S]*Phase:\s+Succeeded/);
  });

  it('helm uninstall leaves nothing of ours but what Kubernetes and Helm keep by design', async () => {
    const statefulSets = workloads(await manifest(RELEASE)).filter((o) => o.kind === 'StatefulSet');
    await tools.helm(['uninstall', RELEASE, '-n', namespace, '--wait', '--timeout', '5m']);
    await tools.helm(['uninstall', operatorRelease, '-n', namespace, '--wait', '--timeout', '5m']);
    // Kept by design: each StatefulSet's claims (its volumeClaimTemplates; Kubernetes keeps them unless a
    // retention policy says otherwise, and they hold the data) and the namespace's own ConfigMap and
    // ServiceAccount. On a real cluster the credential Secrets the hook Jobs create are kept too (docs/kubernetes.md);
    // under kwok those Jobs never run, so there are none.
    const claimPrefixes = statefulSets.map((s) => `PersistentVolumeClaim/data-${s.metadata.name}-`);
    const kept = (k: string) =>
      k === 'ConfigMap/kube-root-ca.crt' ||
      k === 'ServiceAccount/default' ||
      claimPrefixes.some((p) => k.startsWith(p)) ||
      (provider === 'kind' && /^Secret\/kverse-(redis|rabbitmq|cockroachdb)$/.test(k));
    let left: string[] = [];
    await eventually(
      async () => {
        left = (await tools.namespaceContents(namespace)).filter((k) => !kept(k));
        return left.length === 0;
      },
      () => `left in ${namespace} after helm uninstall: ${left.join(', ')}`,
      60_000,
      1000,
    );
    const clusterScoped = await tools.kubectl(['get', 'clusterrole,clusterrolebinding', '-o', 'name']);
    expect(clusterScoped).not.toContain(operatorRelease);
    // Helm installs a chart's crds/ once and never deletes them (deleting a CRD deletes every KVStore): the CRD stays.
    expect((await tools.get([`crd/${CRD}`])).metadata.name).toBe(CRD);
  });
});
