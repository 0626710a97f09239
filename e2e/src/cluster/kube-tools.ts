import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, REPO_ROOT, run } from '../run-command.js';
import { objectKey } from './release.js';

/** An object as kubectl prints it with `-o json`. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly uid?: string;
    readonly resourceVersion?: string;
    readonly generation?: number;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
    readonly ownerReferences?: ReadonlyArray<{ kind: string; name: string }>;
  };
  readonly spec?: Record<string, unknown>;
  readonly status?: Record<string, unknown>;
}

/** kubectl and helm bound to one cluster (a kubeconfig and optionally a context). */
export class KubeTools {
  constructor(
    private readonly options: {
      /** PATH for the tools (the pinned ones first). */
      readonly path: string;
      readonly kubeconfig?: string;
      readonly context?: string;
    },
  ) {}

  get env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      PATH: this.options.path,
      ...(this.options.kubeconfig ? { KUBECONFIG: this.options.kubeconfig } : {}),
    };
  }

  kubectlCommand(args: readonly string[]): Command {
    const context = this.options.context ? ['--context', this.options.context] : [];
    return { program: 'kubectl', args: [...context, ...args] };
  }

  helmCommand(args: readonly string[]): Command {
    const context = this.options.context ? ['--kube-context', this.options.context] : [];
    return { program: 'helm', args: [...context, ...args] };
  }

  kubectl(args: readonly string[], timeoutMs?: number): Promise<string> {
    return run(this.kubectlCommand(args), { env: this.env, ...(timeoutMs ? { timeoutMs } : {}) });
  }

  helm(args: readonly string[], timeoutMs?: number): Promise<string> {
    return run(this.helmCommand(args), { env: this.env, ...(timeoutMs ? { timeoutMs } : {}) });
  }

  async get<T = KubeObject>(args: readonly string[]): Promise<T> {
    return JSON.parse(await this.kubectl(['get', ...args, '-o', 'json'])) as T;
  }

  async list(args: readonly string[]): Promise<KubeObject[]> {
    return (await this.get<{ items: KubeObject[] }>(args)).items;
  }

  /**
   * Every namespaced object in `namespace` of every listable type, as `Kind/name`. Events are history, not
   * objects of ours; v1 Endpoints are deprecated and mirror the EndpointSlices, which are listed.
   */
  async namespaceContents(namespace: string): Promise<string[]> {
    const types = (await this.kubectl(['api-resources', '--verbs=list', '--namespaced', '-o', 'name']))
      .split('\n')
      .filter((t) => t !== '' && !/^events(\.|$)/.test(t) && t !== 'endpoints');
    const items = await this.list([types.join(','), '-n', namespace, '--ignore-not-found']);
    return items.map(objectKey).sort();
  }
}

/** Where `scripts/cluster/up.sh` writes the local control plane's kubeconfig. */
export const LOCAL_KUBECONFIG = join(REPO_ROOT, '.kverse/cluster/kubeconfig');

/**
 * The local control plane (docs/control-plane.md), checked to be up: fails naming the missing piece and the
 * command that provides it (`scripts/test.d/60-cluster.sh` runs it before the tests in CI).
 */
export async function localControlPlane(): Promise<KubeTools> {
  const hint = 'start it with `bash scripts/cluster/up.sh` (or `npm run test:e2e`, which does)';
  if (!existsSync(LOCAL_KUBECONFIG)) {
    throw new Error(`the local control plane is not set up: ${LOCAL_KUBECONFIG} is missing; ${hint}`);
  }
  const binPath = (await run({ program: 'bash', args: ['scripts/cluster/bin-path.sh'] })).trim();
  const tools = new KubeTools({ path: `${binPath}:${process.env.PATH ?? ''}`, kubeconfig: LOCAL_KUBECONFIG });
  for (const tool of ['kubectl', 'helm']) {
    await run(
      { program: tool, args: ['version', ...(tool === 'kubectl' ? ['--client'] : [])] },
      { env: tools.env },
    ).catch((err: Error) => {
      throw new Error(`${tool} is missing (${err.message}); build it with \`bash scripts/cluster/build-tools.sh\``);
    });
  }
  await tools.kubectl(['get', '--raw', '/readyz'], 15_000).catch((err: Error) => {
    throw new Error(`the local control plane does not answer (${err.message}); ${hint}`);
  });
  return tools;
}
