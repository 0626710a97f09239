import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');

/**
 * Path of a pinned cluster tool built by scripts/cluster/build-tools.sh (cached by version under
 * ${KVERSE_CACHE_DIR:-${XDG_CACHE_HOME:-~/.cache}/kverse}/bin/<tool>-<version>/).
 * @throws Error naming the script to run when the tool is not built yet.
 */
export function clusterTool(tool: 'helm' | 'kubectl'): string {
  const versions = readFileSync(resolve(root, 'scripts/cluster/versions.env'), 'utf8');
  const variable = tool === 'helm' ? 'HELM_VERSION' : 'KUBE_VERSION';
  const version = new RegExp(`^${variable}=(\\S+)`, 'm').exec(versions)?.[1];
  const cache =
    process.env.KVERSE_CACHE_DIR ?? resolve(process.env.XDG_CACHE_HOME ?? resolve(homedir(), '.cache'), 'kverse');
  const dir = tool === 'helm' ? `helm-${version}` : `kubernetes-${version}`;
  const path = resolve(cache, 'bin', dir, tool);
  if (!existsSync(path)) {
    throw new Error(
      `${tool} ${version} is not built: run scripts/cluster/build-tools.sh ${tool === 'helm' ? 'helm' : 'kubernetes'}`,
    );
  }
  return path;
}
