import { CoordinationV1Api, CoreV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import { RawClient } from './raw-client.js';

/** The API clients the operator uses, built once from one kubeconfig and passed down. */
export interface KubeClients {
  readonly config: KubeConfig;
  /** Plain-JSON requests for the objects the operator manages (see RawClient for why). */
  readonly raw: RawClient;
  readonly core: CoreV1Api;
  readonly coordination: CoordinationV1Api;
  readonly watch: Watch;
}

/**
 * Loads the kubeconfig from `path` when given, else the default chain (in-cluster service account when running in
 * a pod, `$KUBECONFIG` or `~/.kube/config` otherwise).
 */
export function kubeClients(path?: string): KubeClients {
  const config = new KubeConfig();
  if (path) config.loadFromFile(path);
  else config.loadFromDefault();
  return {
    config,
    raw: new RawClient(config),
    core: config.makeApiClient(CoreV1Api),
    coordination: config.makeApiClient(CoordinationV1Api),
    watch: patientWatch(config),
  };
}

/**
 * client-node's Watch aborts a watch after 30 s without data. Informers resume a watch that ends with a relist,
 * and a kind nobody changes is silent for far longer, so that timer would relist every quiet kind twice a
 * minute; the informers' own watchdog (sized from the watch timeout) decides when silence means a dead watch.
 */
function patientWatch(config: KubeConfig): Watch {
  const watch = new Watch(config);
  (watch as unknown as { requestTimeoutMs: number }).requestTimeoutMs = 24 * 3600 * 1000;
  return watch;
}
