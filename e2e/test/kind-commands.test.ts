import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerfiles } from '../src/kind/kind-cluster.js';
import {
  buildImageCommand,
  createClusterCommand,
  forwardedPort,
  helmInstallCommand,
  imageName,
  killPodCommand,
  kindClusterName,
  loadImageCommand,
  PREFLIGHT,
  platformValues,
  portForwardCommand,
} from '../src/kind/kind-commands.js';
import { providerFromEnv } from '../src/provider.js';
import { REPO_ROOT, commandLine as show } from '../src/run-command.js';

// The kind provider cannot run where there is no Docker engine; what it would run is checked here.
describe('kind provider commands', () => {
  it('takes the cluster name from kind-config.yaml', () => {
    expect(kindClusterName(readFileSync(join(REPO_ROOT, 'kind-config.yaml'), 'utf8'))).toBe('kverse');
    expect(kindClusterName('kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n')).toBe('kind');
    expect(() => kindClusterName('kind: Pod\n')).toThrow(/not a kind Cluster/);
  });

  it('checks docker info, then kind, with messages naming what is missing', () => {
    expect(PREFLIGHT.map((p) => show(p.command))).toEqual([
      "docker info --format '{{.ServerVersion}}'",
      'kind version',
    ]);
    expect(PREFLIGHT[0]!.missing).toMatch(/running Docker engine/);
    expect(PREFLIGHT[1]!.missing).toMatch(/needs kind/);
  });

  it('creates the cluster from the config, builds each image from the repository root, and loads it', () => {
    expect(show(createClusterCommand('/r/kind-config.yaml', 'kverse'))).toBe(
      'kind create cluster --config /r/kind-config.yaml --name kverse --wait 180s',
    );
    expect(show(buildImageCommand('apps/api/Dockerfile', imageName('api')))).toBe(
      'docker build --file apps/api/Dockerfile --tag kverse/api:e2e .',
    );
    expect(show(loadImageCommand('kverse/api:e2e', 'kverse'))).toBe(
      'kind load docker-image kverse/api:e2e --name kverse',
    );
  });

  it('builds an image for every app with a Dockerfile, named as the chart references it', () => {
    const names = dockerfiles().map((d) => d.name);
    for (const app of ['api', 'consumer', 'grpc-kv', 'chat', 'multicast-node']) expect(names).toContain(app);
  });

  it('installs the platform with the suite images and two consumers that do not autoscale', () => {
    const command = helmInstallCommand({
      release: 'kverse',
      chart: 'charts/kverse',
      namespace: 'ns',
      kubeContext: 'kind-kverse',
      values: platformValues(),
    });
    const text = show(command);
    expect(text).toMatch(
      /^helm --kube-context kind-kverse upgrade --install kverse charts\/kverse --namespace ns --create-namespace --wait --wait-for-jobs --timeout 15m /,
    );
    expect(text).toContain('--set version=e2e');
    expect(text).toContain('--set apps.consumer.autoscaling.enabled=false --set apps.consumer.replicas=2');
  });

  it('port-forwards with kubectl choosing the local port, and reads it from kubectl output', () => {
    expect(
      show(
        portForwardCommand({ kubeContext: 'kind-kverse', namespace: 'ns', target: 'svc/kverse-api', remotePort: 8000 }),
      ),
    ).toBe('kubectl --context kind-kverse port-forward --namespace ns --address 127.0.0.1 svc/kverse-api :8000');
    expect(forwardedPort('Forwarding from 127.0.0.1:41234 -> 8000\n')).toBe(41234);
    expect(forwardedPort('error: unable to forward')).toBeUndefined();
  });

  it('deletes a consumer pod the way a crash ends it', () => {
    expect(show(killPodCommand({ kubeContext: 'kind-kverse', namespace: 'ns', pod: 'kverse-consumer-x' }))).toBe(
      'kubectl --context kind-kverse delete pod kverse-consumer-x --namespace ns --grace-period=0 --force --wait=false',
    );
  });

  it('selects the provider from KVERSE_E2E_PROVIDER, local by default, and rejects anything else', () => {
    expect(providerFromEnv({})).toBe('local');
    expect(providerFromEnv({ KVERSE_E2E_PROVIDER: 'kind' })).toBe('kind');
    expect(() => providerFromEnv({ KVERSE_E2E_PROVIDER: 'minikube' })).toThrow(/expected local or kind/);
  });
});
