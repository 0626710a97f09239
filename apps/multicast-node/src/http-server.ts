import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isKvError, KvError } from '@kverse/kv-core';
import type { Logger, Registry } from '@kverse/runtime';
import { Compile } from 'typebox/compile';
import type { MulticastNode } from './node.js';
import { Command } from './wire.js';

/**
 * The node's small HTTP side: `GET /state` (snapshot, digest, ordering status), `GET /metrics`, `GET /health`,
 * and `POST /command` with a JSON command (`{"op":"SET","key":"x","value":"1"}`), answered `202` with its origin
 * once sent — the same as typing it at the prompt, for tests and scripts. Four fixed routes: plain node:http.
 */
export async function startHttpServer(
  node: MulticastNode,
  options: { host: string; port: number; registry: Registry; logger: Logger },
): Promise<{ server: Server; port: number; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    handle(node, options.registry, req, res).catch((err: unknown) => {
      const known = isKvError(err) ? err : undefined;
      if (!known) options.logger.error({ err }, 'http request failed');
      const status = known?.httpStatus ?? 500;
      json(res, status, {
        error: { code: known?.code ?? 'KV_ERR_INTERNAL', message: known?.message ?? 'internal error' },
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const CommandValidator = Compile(Command);
const MAX_BODY_BYTES = 64 * 1024;

async function handle(node: MulticastNode, registry: Registry, req: IncomingMessage, res: ServerResponse) {
  const path = new URL(req.url ?? '/', 'http://node').pathname;
  const route = `${req.method} ${path}`;
  switch (route) {
    case 'GET /health':
      return json(res, 200, { status: 'ok', node: node.nodeId });
    case 'GET /state':
      return json(res, 200, node.state());
    case 'GET /metrics': {
      const body = await registry.metrics();
      res.writeHead(200, { 'content-type': registry.contentType });
      res.end(body);
      return;
    }
    case 'POST /command': {
      const body = await readJson(req);
      if (!CommandValidator.Check(body) || body.op === 'NOOP') {
        throw new KvError(
          'KV_ERR_INVALID_ARGUMENT',
          'expected {"op":"SET","key":…,"value":…}, {"op":"GET","key":…} or {"op":"PRINT"}',
        );
      }
      const origin = node.submit(body);
      return json(res, 202, { origin });
    }
    default:
      throw new KvError('KV_ERR_ROUTE_NOT_FOUND', `no route ${route}`);
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new KvError('KV_ERR_PAYLOAD_TOO_LARGE', `body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new KvError('KV_ERR_INVALID_ARGUMENT', 'body is not JSON');
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
