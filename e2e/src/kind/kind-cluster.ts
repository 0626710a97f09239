import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeTools } from '../cluster/kube-tools.js';
import { commandLine, REPO_ROOT, run } from '../run-command.js';
import {
  buildImageCommand,
  createClusterCommand,
  imageName,
  kindClusterName,
  kubeconfigCommand,
  listClustersCommand,
  loadImageCommand,
  PREFLIGHT,
} from './kind-commands.js';

export interface KindCluster {
  readonly name: string;
  /** `kind-<name>`, the context in {@link KubeTools}' kubeconfig. */
  readonly context: string;
  readonly tools: KubeTools;
  /** Whether `operator/Dockerfile` exists and its image was loaded (else the operator chart runs 0 replicas). */
  readonly operatorImage: boolean;
}

const log = (message: string) => console.log(`[e2e kind] ${message}`);

/** The Dockerfiles to build: every `apps/<app>/Dockerfile`, and the operator's once it has one. */
export function dockerfiles(root = REPO_ROOT): Array<{ readonly name: string; readonly dockerfile: string }> {
  const apps = readdirSync(join(root, 'apps'))
    .filter((app) => existsSync(join(root, 'apps', app, 'Dockerfile')))
    .map((app) => ({ name: app, dockerfile: `apps/${app}/Dockerfile` }));
  const operator = existsSync(join(root, 'operator/Dockerfile'))
    ? [{ name: 'operator', dockerfile: 'operator/Dockerfile' }]
    : [];
  return [...apps, ...operator];
}

let prepared: Promise<KindCluster> | undefined;

/**
 * The kind cluster of `kind-config.yaml` with the suite's images loaded: fails fast when Docker or kind is
 * missing, reuses a running cluster of that name (else creates it), builds every image (Docker's layer cache
 * makes a rebuild quick) and loads it into the nodes. Once per test file.
 */
export function prepareKindCluster(): Promise<KindCluster> {
  prepared ??= prepare();
  return prepared;
}

async function prepare(): Promise<KindCluster> {
  for (const { command, missing } of PREFLIGHT) {
    await run(command, { timeoutMs: 30_000 }).catch((err: Error) => {
      throw new Error(`${missing}\n(${err.message})`);
    });
  }
  const configPath = join(REPO_ROOT, 'kind-config.yaml');
  const name = kindClusterName(readFileSync(configPath, 'utf8'));
  const clusters = (await run(listClustersCommand())).split('\n').map((l) => l.trim());
  if (clusters.includes(name)) {
    log(`reusing kind cluster ${name}`);
  } else {
    log(`creating kind cluster ${name}: ${commandLine(createClusterCommand(configPath, name))}`);
    await run(createClusterCommand(configPath, name), { timeoutMs: 600_000 });
  }
  const dir = join(REPO_ROOT, '.kverse/kind');
  mkdirSync(dir, { recursive: true });
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, await run(kubeconfigCommand(name)), { mode: 0o600 });
  // Your kubectl and helm first; the pinned ones of scripts/cluster/build-tools.sh, if built, as a fallback.
  const pinned = (await run({ program: 'bash', args: ['scripts/cluster/bin-path.sh'] })).trim();
  const tools = new KubeTools({ path: `${process.env.PATH ?? ''}:${pinned}`, kubeconfig, context: `kind-${name}` });
  for (const tool of ['kubectl', 'helm']) {
    const version = { program: tool, args: ['version', ...(tool === 'kubectl' ? ['--client'] : [])] };
    await run(version, { env: tools.env }).catch(() => {
      throw new Error(
        `the kind provider needs ${tool} on the PATH (\`bash scripts/cluster/build-tools.sh\` builds one)`,
      );
    });
  }

  const images = dockerfiles();
  for (const { name: image, dockerfile } of images) {
    const tag = imageName(image);
    log(`building ${tag}`);
    await run(buildImageCommand(dockerfile, tag), { timeoutMs: 1_800_000 });
    log(`loading ${tag} into ${name}`);
    await run(loadImageCommand(tag, name), { timeoutMs: 600_000 });
  }
  return { name, context: `kind-${name}`, tools, operatorImage: images.some((i) => i.name === 'operator') };
}
