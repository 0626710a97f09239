import { parse } from 'yaml';
import { setArgs } from '../chart.js';
import type { Command } from '../run-command.js';

/**
 * The commands of the kind provider, built here without running anything so they can be unit-tested and shown in
 * docs/e2e.md. kind's CLI: `kind create cluster --config F --name N --wait D`, `kind get clusters`,
 * `kind get kubeconfig --name N`, `kind load docker-image IMAGE --name N`.
 */

/** Tag of the images the suite builds, and the charts' `version` value that selects them (as Tilt uses `dev`). */
export const E2E_IMAGE_TAG = 'e2e';

/** The cluster name `kind-config.yaml` gives (kind's default is `kind`). */
export function kindClusterName(configYaml: string): string {
  const config = parse(configYaml) as { kind?: string; name?: string } | null;
  if (config?.kind !== 'Cluster') throw new Error('kind-config.yaml is not a kind Cluster config');
  return config.name ?? 'kind';
}

/** What must work before anything else; each failure message names the missing tool. */
export const PREFLIGHT: ReadonlyArray<{ readonly command: Command; readonly missing: string }> = [
  {
    command: { program: 'docker', args: ['info', '--format', '{{.ServerVersion}}'] },
    missing:
      'the kind provider needs a running Docker engine (`docker info` failed); start Docker, or run the local ' +
      'provider (unset KVERSE_E2E_PROVIDER)',
  },
  {
    command: { program: 'kind', args: ['version'] },
    missing: 'the kind provider needs kind 0.24+ on the PATH (`kind version` failed): https://kind.sigs.k8s.io',
  },
];

export function listClustersCommand(): Command {
  return { program: 'kind', args: ['get', 'clusters'] };
}

export function createClusterCommand(configPath: string, cluster: string): Command {
  return { program: 'kind', args: ['create', 'cluster', '--config', configPath, '--name', cluster, '--wait', '180s'] };
}

/** Prints the cluster's kubeconfig; the suite writes it to its own file and leaves the user's alone. */
export function kubeconfigCommand(cluster: string): Command {
  return { program: 'kind', args: ['get', 'kubeconfig', '--name', cluster] };
}

/** The image the charts reference for `name` (`image.repository`/`name`:`version`, registry unset). */
export function imageName(name: string, tag = E2E_IMAGE_TAG): string {
  return `kverse/${name}:${tag}`;
}

/** Each Dockerfile builds from the repository root (it copies the workspace, then builds its app). */
export function buildImageCommand(dockerfile: string, image: string): Command {
  return { program: 'docker', args: ['build', '--file', dockerfile, '--tag', image, '.'] };
}

export function loadImageCommand(image: string, cluster: string): Command {
  return { program: 'kind', args: ['load', 'docker-image', image, '--name', cluster] };
}

/**
 * Values for the platform on kind: the suite's images, a laptop-sized set of backing services (one replica each,
 * as the Tiltfile installs), two consumers without autoscaling (so one can be deleted mid-load while the other
 * drains), two chat replicas, and the chart's three multicast nodes.
 */
export function platformValues(): Record<string, string | number | boolean> {
  return {
    version: E2E_IMAGE_TAG,
    'cache.managed.replicas': 1,
    'queue.managed.replicas': 1,
    'database.managed.replicas': 1,
    'apps.api.autoscaling.enabled': false,
    'apps.api.replicas': 1,
    'apps.grpcKv.autoscaling.enabled': false,
    'apps.grpcKv.replicas': 1,
    'apps.consumer.autoscaling.enabled': false,
    'apps.consumer.replicas': 2,
    'apps.chat.autoscaling.enabled': false,
    'apps.chat.replicas': 2,
  };
}

/** `helm upgrade --install … --wait`: idempotent, and waits for every Deployment, StatefulSet and Job. */
export function helmInstallCommand(options: {
  readonly release: string;
  readonly chart: string;
  readonly namespace: string;
  readonly values: Readonly<Record<string, string | number | boolean>>;
  readonly kubeContext: string;
  readonly timeout?: string;
}): Command {
  return {
    program: 'helm',
    args: [
      '--kube-context',
      options.kubeContext,
      'upgrade',
      '--install',
      options.release,
      options.chart,
      '--namespace',
      options.namespace,
      '--create-namespace',
      '--wait',
      '--wait-for-jobs',
      '--timeout',
      options.timeout ?? '15m',
      ...setArgs(options.values),
    ],
  };
}

/**
 * `kubectl port-forward` to a Service or pod with the local port left to kubectl (`:PORT`): it prints
 * `Forwarding from 127.0.0.1:LOCAL -> PORT`, which {@link forwardedPort} reads.
 */
export function portForwardCommand(options: {
  readonly kubeContext: string;
  readonly namespace: string;
  /** `svc/NAME` or `pod/NAME`. */
  readonly target: string;
  readonly remotePort: number;
}): Command {
  return {
    program: 'kubectl',
    args: [
      '--context',
      options.kubeContext,
      'port-forward',
      '--namespace',
      options.namespace,
      '--address',
      '127.0.0.1',
      options.target,
      `:${options.remotePort}`,
    ],
  };
}

/** The local port in kubectl port-forward's output, once it printed it. */
export function forwardedPort(output: string): number | undefined {
  const match = /Forwarding from 127\.0\.0\.1:(\d+) ->/.exec(output);
  return match ? Number(match[1]) : undefined;
}

/** Deleting a pod as a crash would: no grace period (the kubelet kills it at once). */
export function killPodCommand(options: { kubeContext: string; namespace: string; pod: string }): Command {
  return {
    program: 'kubectl',
    args: [
      '--context',
      options.kubeContext,
      'delete',
      'pod',
      options.pod,
      '--namespace',
      options.namespace,
      '--grace-period=0',
      '--force',
      '--wait=false',
    ],
  };
}
