import type { AddressInfo } from 'node:net';
import { type ApiConfig, type ApiDeps, buildApi } from './app.js';

export interface RunningApi {
  /** Base URL clients use, e.g. http://127.0.0.1:8000 */
  readonly url: string;
  readonly port: number;
  /** Stops accepting, ends watch streams, waits for in-flight requests. */
  close(): Promise<void>;
}

/** Builds the API and listens on the configured host and port (0 picks a free port). */
export async function startApi(config: ApiConfig, deps: ApiDeps): Promise<RunningApi> {
  const app = await buildApi(config, deps);
  await app.listen({ port: config.port, host: config.host });
  const { port } = app.server.address() as AddressInfo;
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    close: async () => {
      // Watch streams are long-lived; closing the data plane ends them, so stop accepting first, then close.
      app.server.closeIdleConnections();
      await app.close();
    },
  };
}
