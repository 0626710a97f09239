/**
 * Operator at scale: `--stores` KVStores spread over `--namespaces` namespaces, reconciled by one operator running
 * in this process against the local control plane (kwok nodes; scripts/cluster/up.sh starts it). Reports the time
 * until every KVStore is Ready, reconciles per second over that time, the process's memory once converged, and
 * its CPU while idle afterwards (only resyncs and watches run then).
 *
 * The KVStores use external backing services (Secrets need not exist: kwok runs no containers) and no multicast
 * nodes, because the local cluster has 20 volumes in all; each still yields the four apps with their Services,
 * PodDisruptionBudgets, autoscalers and NetworkPolicies (20 objects, 4 pods).
 *
 *   npx tsc -b && node bench/dist/operator-scale.js [--stores 50] [--namespaces 10] [--idle-seconds 30]
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { API_VERSION, kvstoreCrd, PLURAL } from '@kverse/crd';
import {
  applyObject,
  collectionPath,
  type KubeObject,
  kubeClients,
  type OperatorStatus,
  operatorConfigSpec,
  startOperator,
} from '@kverse/operator';
import { createLogger, parseConfig } from '@kverse/runtime';
import { printTable } from './report.js';

const { values: args } = parseArgs({
  options: {
    stores: { type: 'string', default: '50' },
    namespaces: { type: 'string', default: '10' },
    'idle-seconds': { type: 'string', default: '30' },
    'timeout-seconds': { type: 'string', default: '600' },
  },
});
const stores = Number(args.stores);
const namespaceCount = Number(args.namespaces);
const idleSeconds = Number(args['idle-seconds']);
const timeoutMs = Number(args['timeout-seconds']) * 1000;

const root = resolve(import.meta.dirname, '../..');
const kubeconfig = resolve(root, '.kverse/cluster/kubeconfig');
execFileSync('bash', [resolve(root, 'scripts/cluster/up.sh')], { stdio: 'inherit' });
const kube = kubeClients(kubeconfig);
await applyObject(kube.raw, kvstoreCrd() as unknown as KubeObject, 'customresourcedefinitions');
await until(() => kube.raw.request('GET', `/apis/${API_VERSION}/${PLURAL}`).then(() => true), 60_000);

const run = Math.random().toString(36).slice(2, 6);
const namespaces = Array.from({ length: namespaceCount }, (_, i) => `bench-op-${run}-${i}`);
for (const name of namespaces) await kube.core.createNamespace({ body: { metadata: { name } } });

const log = createLogger({ name: 'operator', level: 'warn' });
const operator = await startOperator(
  {
    ...parseConfig(operatorConfigSpec, {}),
    kubeconfig,
    leaderElection: false,
    metricsPort: 0,
    healthPort: 0,
    resyncSeconds: 60,
  },
  log,
);
const reconciles = async () =>
  (await operator.registry.getSingleMetric('kverse_operator_reconciles_total')!.get()).values.reduce(
    (n, v) => n + v.value,
    0,
  );

const spec = {
  apps: {
    api: { autoscaling: { minReplicas: 1, maxReplicas: 3 } },
    consumer: { autoscaling: { minReplicas: 1, maxReplicas: 3 } },
    grpcKv: { autoscaling: { minReplicas: 1, maxReplicas: 3 } },
    chat: { autoscaling: { minReplicas: 1, maxReplicas: 3 } },
    multicastNode: { enabled: false },
  },
  cache: { mode: 'external', external: { secretName: 'redis-url' } },
  queue: { mode: 'external', external: { secretName: 'rabbitmq-url' } },
  database: { mode: 'external', external: { secretName: 'database-url' } },
};

const started = performance.now();
const reconcilesBefore = await reconciles();
const created = await Promise.all(
  Array.from({ length: stores }, async (_, i) => {
    const namespace = namespaces[i % namespaceCount]!;
    const name = `kv-${i}`;
    await kube.raw.request('POST', collectionPath({ apiVersion: API_VERSION, plural: PLURAL }, namespace), {
      body: { apiVersion: API_VERSION, kind: 'KVStore', metadata: { name, namespace }, spec },
    });
    return { namespace, name };
  }),
);

let ready = 0;
await until(async () => {
  const list = await kube.raw.request<{ items: Array<KubeObject & { status?: OperatorStatus }> }>(
    'GET',
    collectionPath({ apiVersion: API_VERSION, plural: PLURAL }),
  );
  const ours = list.items.filter((k) => namespaces.includes(k.metadata.namespace!));
  ready = ours.filter(
    (k) =>
      k.status?.observedGeneration === k.metadata.generation &&
      k.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
  ).length;
  return ready === created.length;
}, timeoutMs);
const convergedSeconds = (performance.now() - started) / 1000;
const convergeReconciles = (await reconciles()) - reconcilesBefore;
const memory = process.memoryUsage();

// Idle: nothing changes; only watches, bookmarks and resyncs run.
const idleReconcilesBefore = await reconciles();
const cpuBefore = process.cpuUsage();
const idleStarted = performance.now();
await new Promise((r) => setTimeout(r, idleSeconds * 1000));
const cpu = process.cpuUsage(cpuBefore);
const idleWall = (performance.now() - idleStarted) / 1000;
const idleReconciles = (await reconciles()) - idleReconcilesBefore;

printTable(`Operator: ${stores} KVStores in ${namespaceCount} namespaces (kwok)`, [
  { metric: 'time to all Ready (s)', value: Number(convergedSeconds.toFixed(1)) },
  { metric: 'reconciles until all Ready', value: convergeReconciles },
  { metric: 'reconciles/s until all Ready', value: Number((convergeReconciles / convergedSeconds).toFixed(1)) },
  { metric: 'RSS after convergence (MiB)', value: Math.round(memory.rss / 2 ** 20) },
  { metric: 'heap used after convergence (MiB)', value: Math.round(memory.heapUsed / 2 ** 20) },
  {
    metric: `idle CPU over ${idleSeconds} s (% of one core)`,
    value: Number(((100 * (cpu.user + cpu.system)) / 1e6 / idleWall).toFixed(2)),
  },
  { metric: `reconciles while idle (${idleSeconds} s, resync 60 s)`, value: idleReconciles },
]);

await operator.stop();
// Namespace deletion takes the KVStores and everything they own with it; no need to wait for it.
for (const name of namespaces) await kube.core.deleteNamespace({ name }).catch(() => undefined);

async function until(check: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms (${ready}/${stores} Ready)`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
