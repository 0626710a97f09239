import type { ProviderName } from './provider.js';

/**
 * A running KVerse platform as the data-plane checks see it: its front doors on this machine, and one fault they
 * can inject. The local provider runs the apps as processes; the kind provider port-forwards to the cluster.
 */
export interface Platform {
  readonly provider: ProviderName;
  /** Base URL of the REST API (`PUT/GET/DELETE /kv`, `GET /kv/watch`). */
  readonly restUrl: string;
  /** `host:port` of gRPC KV (`kvstore.KvStore`). */
  readonly grpcKvAddress: string;
  /** A write token both KV front doors accept (the chart turns auth on). */
  readonly token: string;
  /** `host:port` of each chat endpoint (two replicas locally; the Service through one port-forward on kind). */
  readonly chatAddresses: readonly string[];
  /** Base URL of each multicast node's HTTP side (`/state`, `POST /command`). */
  readonly multicastUrls: readonly string[];
  /** Ends one write consumer abruptly (SIGKILL, or a forced pod deletion) while the others keep running. */
  killConsumer(): Promise<string>;
  close(): Promise<void>;
}

export async function openPlatform(provider: ProviderName): Promise<Platform> {
  if (provider === 'kind') {
    const { startKindPlatform } = await import('./kind/kind-platform.js');
    return startKindPlatform();
  }
  const { startLocalPlatform } = await import('./local/local-platform.js');
  return startLocalPlatform();
}
