import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from '@kverse/runtime';

/** A listening server and its port. */
export interface Listening {
  readonly server: Server;
  readonly port: number;
  close(): Promise<void>;
}

function listen(server: Server, port: number): Promise<Listening> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => {
      const actual = (server.address() as AddressInfo).port;
      resolve({
        server,
        port: actual,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}

/**
 * `GET /healthz` (the process runs) and `GET /readyz` (the informers have synced; a replica that is not the
 * leader is ready too: it is a warm standby), on the health port the chart's probes use.
 */
export function serveHealth(port: number, ready: () => boolean): Promise<Listening> {
  const server = createServer((req, res) => {
    if (req.url === '/healthz') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    if (req.url === '/readyz') {
      const ok = ready();
      return void res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok' : 'not ready');
    }
    res.writeHead(404).end();
  });
  return listen(server, port);
}

/** `GET /metrics` in the Prometheus text format, on the metrics port the chart's Service exposes. */
export function serveMetrics(port: number, registry: Registry): Promise<Listening> {
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end();
    registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
      () => res.writeHead(500).end(),
    );
  });
  return listen(server, port);
}
