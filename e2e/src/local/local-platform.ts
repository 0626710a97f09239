import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createToken } from '@kverse/access';
import { type EnvVar, PLATFORM_CHART, renderChart, workloadEnv } from '../chart.js';
import { KubeTools } from '../cluster/kube-tools.js';
import type { Platform } from '../platform.js';
import { run } from '../run-command.js';
import { AppProcess } from './app-process.js';
import { freePort, freeUdpPort } from './free-ports.js';
import { grpcServing } from './grpc-health.js';

/** The backing services of `scripts/services/*.sh` (or the URLs the environment gives). */
export const SERVICE_URLS = {
  database: process.env.DATABASE_URL ?? 'postgres://kverse:kverse@127.0.0.1:5432/kverse',
  queue: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
  cache: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
} as const;

const SERVICE_SCRIPTS = { database: 'postgres', queue: 'rabbitmq', cache: 'redis' } as const;
/** The release name the chart is rendered with (Secret names derive from it). */
export const RELEASE = 'kverse';
const MULTICAST_NODES = 3;

/** Fails naming the service (and its script) that does not accept connections. */
async function requireServices(): Promise<void> {
  for (const [role, url] of Object.entries(SERVICE_URLS) as Array<[keyof typeof SERVICE_URLS, string]>) {
    const { hostname, port } = new URL(url);
    await new Promise<void>((resolve, reject) => {
      const socket = connect({ host: hostname, port: Number(port) }, () => {
        socket.end();
        resolve();
      });
      socket.setTimeout(3000, () => socket.destroy(new Error('timed out')));
      socket.once('error', (err) =>
        reject(
          new Error(
            `${SERVICE_SCRIPTS[role]} is not answering at ${hostname}:${port} (${err.message}); ` +
              `run scripts/services/${SERVICE_SCRIPTS[role]}.sh`,
          ),
        ),
      );
    });
  }
}

/**
 * The environment the chart gives a container, made local: Secret references become the local services' URLs,
 * field references their pod's value, and `changes` replace variables the chart sets (ports, data dirs, peer
 * discovery) — a variable the chart no longer sets is an error, so a renamed setting cannot go unnoticed.
 */
export function localEnv(
  chartEnv: readonly EnvVar[],
  options: {
    readonly podName: string;
    readonly changes: Readonly<Record<string, string | undefined>>;
    readonly additions?: Readonly<Record<string, string>>;
  },
): Record<string, string> {
  // The `url` key of each generated backing-service Secret (docs/kubernetes.md, "Credentials").
  const urls: Record<string, string> = {
    [`${RELEASE}-cockroachdb/url`]: SERVICE_URLS.database,
    [`${RELEASE}-rabbitmq/url`]: SERVICE_URLS.queue,
    [`${RELEASE}-redis/url`]: SERVICE_URLS.cache,
  };
  const env: Record<string, string> = {};
  for (const v of chartEnv) {
    const secret = v.valueFrom?.secretKeyRef;
    const fromSecret = secret ? urls[`${secret.name}/${secret.key}`] : undefined;
    if (v.value !== undefined) env[v.name] = v.value;
    else if (fromSecret !== undefined) env[v.name] = fromSecret;
    else if (v.valueFrom?.fieldRef?.fieldPath === 'metadata.name') env[v.name] = options.podName;
    else throw new Error(`the chart sets ${v.name} from ${JSON.stringify(v.valueFrom)}: no local equivalent`);
  }
  for (const [name, value] of Object.entries(options.changes)) {
    if (!(name in env)) throw new Error(`the chart no longer sets ${name} for ${options.podName}`);
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return { ...env, ...options.additions };
}

/**
 * The platform as local processes with the chart's environment: one api, two consumers (the chart's default
 * replicas), one gRPC KV, two chat replicas sharing Redis, and three multicast nodes in unicast fan-out on
 * loopback (each on its own UDP port, so the peers are a static list instead of the headless Service's DNS name).
 */
export async function startLocalPlatform(): Promise<Platform> {
  await requireServices();
  const binPath = (await run({ program: 'bash', args: ['scripts/cluster/bin-path.sh'] })).trim();
  const tools = new KubeTools({ path: `${binPath}:${process.env.PATH ?? ''}` });
  const objects = await renderChart(tools, { chart: PLATFORM_CHART, release: RELEASE, namespace: 'kverse' }).catch(
    (err: Error) => {
      throw new Error(`helm is needed to render the chart (bash scripts/cluster/build-tools.sh helm): ${err.message}`);
    },
  );
  const dataRoot = mkdtempSync(join(tmpdir(), 'kverse-e2e-'));
  const started: AppProcess[] = [];
  const start = async (
    name: string,
    app: string,
    env: Record<string, string>,
    ready: string | (() => Promise<boolean>),
  ) => {
    const p = new AppProcess(name, app, env);
    started.push(p);
    await p.waitReady(ready);
    return p;
  };
  const close = async () => {
    // A process that died on its own is what a failed check needs explained.
    for (const p of started.filter((a) => a.crashed)) console.error(`${p.name} exited unexpectedly:\n${p.log}`);
    await Promise.all(started.map((p) => p.stop()));
    rmSync(dataRoot, { recursive: true, force: true });
  };

  try {
    // The chart turns auth on and mounts the tokens Secret; locally the file is written here, with one write token.
    const { token, entry } = createToken('admin', 'write');
    const tokensFile = join(dataRoot, 'auth-tokens');
    writeFileSync(tokensFile, `${entry}\n`, { mode: 0o600 });
    const apiPort = await freePort();
    const grpcPort = await freePort();
    const grpcMetricsPort = await freePort();
    const starting: Array<Promise<AppProcess>> = [];
    starting.push(
      start(
        'api-0',
        'api',
        localEnv(workloadEnv(objects, 'api'), {
          podName: 'api-0',
          changes: {
            PORT: String(apiPort),
            KVERSE_DATA_DIR: join(dataRoot, 'api-0'),
            KVERSE_AUTH_TOKENS_FILE: tokensFile,
          },
          additions: { HOST: '127.0.0.1' },
        }),
        `http://127.0.0.1:${apiPort}/ready`,
      ),
      start(
        'grpc-kv-0',
        'grpc-kv',
        localEnv(workloadEnv(objects, 'grpc-kv'), {
          podName: 'grpc-kv-0',
          changes: {
            GRPC_KV_PORT: String(grpcPort),
            GRPC_KV_METRICS_PORT: String(grpcMetricsPort),
            KVERSE_DATA_DIR: join(dataRoot, 'grpc-kv-0'),
            KVERSE_AUTH_TOKENS_FILE: tokensFile,
          },
          additions: { GRPC_KV_HOST: '127.0.0.1' },
        }),
        () => grpcServing(`127.0.0.1:${grpcPort}`),
      ),
    );
    const consumers: AppProcess[] = [];
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      const env = localEnv(workloadEnv(objects, 'consumer'), {
        podName: `consumer-${i}`,
        changes: { KVERSE_CONSUMER_PORT: String(port) },
        additions: { HOST: '127.0.0.1' },
      });
      starting.push(
        start(`consumer-${i}`, 'consumer', env, `http://127.0.0.1:${port}/ready`).then((p) => {
          consumers.push(p);
          return p;
        }),
      );
    }
    const chatAddresses: string[] = [];
    for (let i = 0; i < 2; i++) {
      const [port, metricsPort] = [await freePort(), await freePort()];
      chatAddresses.push(`127.0.0.1:${port}`);
      const env = localEnv(workloadEnv(objects, 'chat'), {
        podName: `chat-${i}`,
        changes: { CHAT_PORT: String(port), CHAT_METRICS_PORT: String(metricsPort) },
        additions: { CHAT_HOST: '127.0.0.1' },
      });
      starting.push(start(`chat-${i}`, 'chat', env, () => grpcServing(`127.0.0.1:${port}`)));
    }
    const nodes = await Promise.all(
      Array.from({ length: MULTICAST_NODES }, async () => ({ udp: await freeUdpPort(), http: await freePort() })),
    );
    const peers = nodes.map((n) => `127.0.0.1:${n.udp}`).join(',');
    nodes.forEach((n, i) => {
      const podName = `${RELEASE}-multicast-node-${i}`;
      const env = localEnv(workloadEnv(objects, 'multicast-node'), {
        podName,
        changes: { MULTICAST_PORT: String(n.udp), MULTICAST_HTTP_PORT: String(n.http), MULTICAST_PEERS_DNS: undefined },
        additions: { MULTICAST_PEERS: peers, MULTICAST_HTTP_HOST: '127.0.0.1' },
      });
      starting.push(start(podName, 'multicast-node', env, `http://127.0.0.1:${n.http}/health`));
    });
    await Promise.all(starting);

    return {
      provider: 'local',
      restUrl: `http://127.0.0.1:${apiPort}`,
      grpcKvAddress: `127.0.0.1:${grpcPort}`,
      token,
      chatAddresses,
      multicastUrls: nodes.map((n) => `http://127.0.0.1:${n.http}`),
      async killConsumer() {
        const victim = consumers.find((c) => c.alive);
        if (!victim) throw new Error('no consumer left to kill');
        await victim.stop('SIGKILL');
        return victim.name;
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
