import { PLATFORM_CHART } from '../chart.js';
import { createRunNamespace, sweepDeadRuns } from '../cluster/run-namespaces.js';
import type { Platform } from '../platform.js';
import { runId } from '../provider.js';
import { run } from '../run-command.js';
import { prepareKindCluster } from './kind-cluster.js';
import { helmInstallCommand, killPodCommand, platformValues } from './kind-commands.js';
import { PortForward } from './port-forward.js';

const RELEASE = 'kverse';
/** Names a namespace where release `kverse` is already installed, to test that instead of installing one. */
export const EXISTING_NAMESPACE_VARIABLE = 'KVERSE_E2E_NAMESPACE';

/**
 * The platform installed by its chart on kind (the data plane needs no operator; charts.test.ts installs the
 * operator chart), reached through port-forwards: the REST API and gRPC KV through
 * their Services, each chat pod and each multicast node through its own pod (so two clients land on two replicas,
 * and every node's state can be read). Uninstalled, namespace and all, by `close`.
 */
export async function startKindPlatform(): Promise<Platform> {
  const cluster = await prepareKindCluster();
  const { tools, context: kubeContext } = cluster;
  // An existing release (CI's kind job installs one before the suite) is used as it is and left in place.
  const existing = process.env[EXISTING_NAMESPACE_VARIABLE];
  const namespace = existing ?? `kverse-e2e-${runId()}`;
  const forwards: PortForward[] = [];
  const close = async () => {
    for (const f of forwards) f.close();
    if (existing) return;
    await tools.helm(['uninstall', RELEASE, '--namespace', namespace, '--wait']).catch(() => undefined);
    await tools.kubectl(['delete', 'namespace', namespace, '--wait=false']).catch(() => undefined);
  };
  try {
    if (existing) {
      await tools.helm(['status', RELEASE, '--namespace', namespace]).catch((err: Error) => {
        throw new Error(`${EXISTING_NAMESPACE_VARIABLE}=${existing}: no release ${RELEASE} there (${err.message})`);
      });
    } else {
      await sweepDeadRuns(tools);
      await createRunNamespace(tools, namespace);
      await run(
        helmInstallCommand({
          release: RELEASE,
          chart: PLATFORM_CHART,
          namespace,
          kubeContext,
          values: platformValues(),
        }),
        { env: tools.env, timeoutMs: 960_000 },
      );
    }
    const pods = async (component: string) =>
      (await tools.list(['pods', '-n', namespace, '-l', `app.kubernetes.io/component=${component}`]))
        .filter((p) => !p.metadata.annotations?.['helm.sh/hook'])
        .map((p) => p.metadata.name)
        .sort();
    const forward = async (target: string, remotePort: number) => {
      const f = await PortForward.open({ kubeContext, namespace, target, remotePort }, tools.env);
      forwards.push(f);
      return f.port;
    };
    // The generated admin token (docs/auth.md): the chart turns auth on.
    const secret = await tools.get<{ data: Record<string, string> }>([
      'secret',
      '-n',
      namespace,
      `${RELEASE}-auth-tokens`,
    ]);
    const token = Buffer.from(secret.data['admin-token'] ?? '', 'base64').toString('utf8');
    const restPort = await forward(`svc/${RELEASE}-api`, 8000);
    const grpcPort = await forward(`svc/${RELEASE}-grpc-kv`, 50051);
    const chatAddresses: string[] = [];
    for (const pod of (await pods('chat')).slice(0, 2))
      chatAddresses.push(`127.0.0.1:${await forward(`pod/${pod}`, 50052)}`);
    const multicastUrls: string[] = [];
    for (const pod of await pods('multicast-node'))
      multicastUrls.push(`http://127.0.0.1:${await forward(`pod/${pod}`, 8070)}`);

    return {
      provider: 'kind',
      restUrl: `http://127.0.0.1:${restPort}`,
      grpcKvAddress: `127.0.0.1:${grpcPort}`,
      token,
      chatAddresses,
      multicastUrls,
      async killConsumer() {
        const [victim] = await pods('consumer');
        if (!victim) throw new Error('no consumer pod to delete');
        await run(killPodCommand({ kubeContext, namespace, pod: victim }), { env: tools.env });
        return `pod/${victim}`;
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
