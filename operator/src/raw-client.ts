import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from './desired.js';
import { collectionPath, type ManagedKind } from './managed-kinds.js';

/** A failed API call: `code` is the HTTP status, `body` the API server's Status object. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: number,
    readonly body: { message?: string; reason?: string } | string,
  ) {
    super(`HTTP ${code}: ${typeof body === 'string' ? body : (body.message ?? body.reason ?? '')}`);
  }
}

/**
 * Plain-JSON access to the API server. client-node's typed layer converts objects to and from its generated
 * models, which renames fields (`except` → `_except`, `x-kubernetes-validations` → `xKubernetesValidations`),
 * drops fields its models do not know and turns timestamps into Dates; applying such objects silently loses
 * fields, and comparing them with desired manifests never matches. The operator therefore reads and writes the
 * objects it manages as the API server's JSON, byte for byte; client-node still supplies the kubeconfig handling
 * (TLS, tokens, exec plugins) and the watch stream.
 */
export class RawClient {
  constructor(private readonly config: KubeConfig) {}

  /** Sends one request; resolves with the parsed JSON answer. @throws ApiError on a non-2xx status. */
  async request<T = unknown>(
    method: string,
    path: string,
    options: { body?: unknown; contentType?: string; query?: Record<string, string | undefined> } = {},
  ): Promise<T> {
    const cluster = this.config.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    const url = new URL(cluster.server.replace(/\/$/, '') + path);
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const opts: RequestOptions = {
      method,
      headers: {
        accept: 'application/json',
        ...(body ? { 'content-type': options.contentType ?? 'application/json' } : {}),
      },
    };
    await this.config.applyToHTTPSOptions(opts);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<T>((resolve, reject) => {
      const req = send(url, opts, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            // Not JSON (e.g. "404 page not found" for an API that is not served): keep the text.
          }
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve(parsed as T);
          else reject(new ApiError(status, parsed as ApiError['body']));
        });
      });
      req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path}: no answer within 30 s`)));
      req.on('error', reject);
      if (body) req.write(body);
      req.end();
    });
  }

  /** Lists a kind across all namespaces (or in one), optionally by label selector. */
  list(kind: Pick<ManagedKind, 'apiVersion' | 'plural'>, labelSelector?: string, namespace?: string) {
    return this.request<{ metadata?: { resourceVersion?: string }; items: KubeObject[] }>(
      'GET',
      collectionPath(kind, namespace),
      { query: { labelSelector } },
    );
  }

  /** Reads one object. */
  get(kind: Pick<ManagedKind, 'apiVersion' | 'plural'>, namespace: string, name: string): Promise<KubeObject> {
    return this.request('GET', `${collectionPath(kind, namespace)}/${name}`);
  }
}
