import type { KubeTools } from './kube-tools.js';

/** Label of the namespaces a run creates: the pid of the process that owns them. */
const OWNER_LABEL = 'kverse.dev/e2e-pid';

/** Creates a namespace for this run, labelled with its pid so a later run can sweep it if this one dies. */
export async function createRunNamespace(tools: KubeTools, name: string): Promise<void> {
  await tools.kubectl(['create', 'namespace', name]);
  await tools.kubectl(['label', 'namespace', name, `${OWNER_LABEL}=${process.pid}`]);
}

/**
 * Deletes the namespaces of runs whose process is gone (killed midway, so their cleanup never ran), with the
 * cluster-scoped objects their releases made (named `<prefix><run id>` after the namespace's run id).
 */
export async function sweepDeadRuns(
  tools: KubeTools,
  clusterScoped: (namespace: string) => readonly string[] = () => [],
): Promise<string[]> {
  const swept: string[] = [];
  for (const ns of await tools.list(['namespaces', '-l', OWNER_LABEL])) {
    const pid = Number(ns.metadata.labels?.[OWNER_LABEL]);
    if (pid === process.pid || isAlive(pid)) continue;
    swept.push(ns.metadata.name);
    await tools.kubectl(['delete', 'namespace', ns.metadata.name, '--wait=false', '--ignore-not-found']);
    for (const name of clusterScoped(ns.metadata.name)) {
      await tools.kubectl(['delete', name, '--ignore-not-found']);
    }
  }
  return swept;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
