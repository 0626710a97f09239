import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GROUP, PLURAL, VERSION } from '@kverse/crd';
import { createLogger, type Logger, parseConfig } from '@kverse/runtime';
import { parse } from 'yaml';
import { applyObject, objectPath } from '../../src/apply.js';
import { type OperatorConfig, operatorConfigSpec } from '../../src/config.js';
import type { KubeObject } from '../../src/desired.js';
import { isNotFound } from '../../src/errors.js';
import { type KubeClients, kubeClients } from '../../src/kube.js';
import { type RunningOperator, startOperator } from '../../src/operator.js';

/** Helpers for tests against the real local control plane (docs/control-plane.md). */

export const ROOT = resolve(fileURLToPath(import.meta.url), '../../../..');
export const KUBECONFIG = resolve(ROOT, '.kverse/cluster/kubeconfig');

/**
 * Starts (or checks) the local control plane with scripts/cluster/up.sh and returns API clients for it.
 * Fails — never skips — with the script's output when the cluster cannot come up.
 */
export function ensureCluster(): KubeClients {
  try {
    execFileSync('bash', [resolve(ROOT, 'scripts/cluster/up.sh')], { cwd: ROOT, stdio: 'pipe', timeout: 600_000 });
  } catch (err) {
    const e = err as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(
      `the local control plane could not be started (bash scripts/cluster/up.sh):\n${e.stdout ?? ''}${e.stderr ?? ''}`,
    );
  }
  return kubeClients(KUBECONFIG);
}

/** PATH with the cluster's pinned kubectl and helm first. */
export function clusterPath(): string {
  const dirs = execFileSync('bash', [resolve(ROOT, 'scripts/cluster/bin-path.sh')], { encoding: 'utf8' }).trim();
  return `${dirs}:${process.env.PATH}`;
}

/** Runs the cluster's kubectl; returns stdout. */
export function kubectl(...args: string[]): string {
  return execFileSync('kubectl', args, {
    encoding: 'utf8',
    env: { ...process.env, PATH: clusterPath(), KUBECONFIG },
  });
}

/** Applies the KVStore CRD from the operator chart and waits until it is served. */
export async function installCrd(kube: KubeClients): Promise<void> {
  const crd = parse(readFileSync(resolve(ROOT, 'charts/kverse-operator/crds/kvstores.kverse.dev.yaml'), 'utf8'));
  await applyObject(kube.raw, crd as KubeObject, 'customresourcedefinitions');
  kubectl('wait', '--for=condition=Established', '--timeout=60s', 'crd/kvstores.kverse.dev');
  // A changed CRD makes the API server re-initialise its storage (429 for a moment): wait until it serves lists.
  await waitFor('KVStores to be listable', () =>
    kube.raw.request('GET', '/apis/kverse.dev/v1alpha1/kvstores').then(() => true),
  );
}

/** Creates a namespace with a random suffix. */
export async function createNamespace(kube: KubeClients, prefix: string): Promise<string> {
  const name = `${prefix}-${Math.random().toString(36).slice(2, 7)}`;
  await kube.core.createNamespace({ body: { metadata: { name } } });
  return name;
}

/** Deletes a namespace without waiting for it to go. */
export async function deleteNamespace(kube: KubeClients, name: string): Promise<void> {
  await kube.core.deleteNamespace({ name }).catch(() => undefined);
}

/** A sample CR from operator/config/samples/. */
export function sample(file: string): KubeObject & { spec: Record<string, unknown> } {
  return parse(readFileSync(resolve(ROOT, 'operator/config/samples', file), 'utf8'));
}

/** Polls `check` every 250 ms until it returns a value other than undefined/false; fails with `what` on timeout. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The API path of the KVStores of `namespace`, or of one of them. */
export function kvStorePath(namespace: string, name = ''): string {
  return `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}${name ? `/${name}` : ''}`;
}

/**
 * Changes part of a KVStore's spec with a JSON merge patch, as `kubectl patch --type merge` does: no read-modify-write,
 * so it never conflicts with the operator's own writes to the object (a PUT of what was read can, with 409).
 * Returns the object as patched.
 */
export function patchKVStoreSpec<T extends KubeObject = KubeObject>(
  kube: KubeClients,
  namespace: string,
  name: string,
  spec: Record<string, unknown>,
): Promise<T> {
  return kube.raw.request<T>('PATCH', kvStorePath(namespace, name), {
    body: { spec },
    contentType: 'application/merge-patch+json',
  });
}

/** Reads an object (as the API server's JSON), or undefined when it does not exist. */
export async function readObject(
  kube: KubeClients,
  apiVersion: string,
  kind: string,
  namespace: string,
  name: string,
): Promise<KubeObject | undefined> {
  try {
    return await kube.raw.request<KubeObject>('GET', objectPath({ apiVersion, kind, metadata: { name, namespace } }));
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export function testLogger(): Logger {
  return createLogger({ name: 'operator-test', level: process.env.KVERSE_TEST_LOG_LEVEL ?? 'warn' });
}

/** Starts an operator in-process against the local cluster; `overrides` adjust the defaults for tests. */
export function runOperator(overrides: Partial<OperatorConfig>, log = testLogger()): Promise<RunningOperator> {
  const config: OperatorConfig = {
    ...parseConfig(operatorConfigSpec, {}),
    kubeconfig: KUBECONFIG,
    metricsPort: 0,
    healthPort: 0,
    ...overrides,
  };
  return startOperator(config, log);
}
