import {
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
  Watch,
} from '@kubernetes/client-node';

/** The API clients the operator uses, built once from one kubeconfig and passed down. */
export interface KubeClients {
  readonly config: KubeConfig;
  /** Generic access by apiVersion/kind (server-side apply, list, delete). */
  readonly objects: KubernetesObjectApi;
  readonly core: CoreV1Api;
  readonly custom: CustomObjectsApi;
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
    objects: KubernetesObjectApi.makeApiClient(config),
    core: config.makeApiClient(CoreV1Api),
    custom: config.makeApiClient(CustomObjectsApi),
    coordination: config.makeApiClient(CoordinationV1Api),
    watch: new Watch(config),
  };
}
