import type { DataPlane, WriteResult } from '@kverse/data-plane';
import { KvError, type KvRecord, type Precondition, parseVersion, type Version } from '@kverse/kv-core';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import type { ApiConfig } from '../app.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The data plane behind every route. */
    kv: DataPlane;
    /** The parsed API configuration. */
    apiConfig: ApiConfig;
  }
}

export interface KvServiceOptions {
  readonly dataPlane: DataPlane;
  readonly config: ApiConfig;
}

/** Decorates the app with the data plane and configuration that routes use. */
export const kvService = fp<KvServiceOptions>(
  async (app: FastifyInstance, { dataPlane, config }) => {
    app.decorate('kv', dataPlane);
    app.decorate('apiConfig', config);
  },
  { name: 'kverse-kv-service' },
);

export function recordJson(record: KvRecord) {
  return {
    key: record.key,
    value: record.value,
    version: record.version.toString(),
    createdAt: new Date(record.createdAt).toISOString(),
    updatedAt: new Date(record.updatedAt).toISOString(),
    ...(record.expiresAt === undefined ? {} : { expiresAt: new Date(record.expiresAt).toISOString() }),
  };
}

/** The strong entity tag of a version: every read and write answers with it, and `If-Match` takes it back. */
export function etag(version: Version): string {
  return `"${version}"`;
}

/** 200 once applied when the client asked to wait, else 202 Accepted; the body always carries the version. */
export function sendWrite(reply: FastifyReply, result: WriteResult, waited: boolean) {
  reply.request.written = { keys: [result.key], version: result.version.toString(), applied: result.applied };
  return reply
    .code(waited ? 200 : 202)
    .header('etag', etag(result.version))
    .send({
      key: result.key,
      version: result.version.toString(),
      status: result.applied ? ('applied' as const) : ('pending' as const),
      ...(result.expiresAt === undefined ? {} : { expiresAt: new Date(result.expiresAt).toISOString() }),
    });
}

/**
 * The condition of `If-Match: <version>` (an entity tag from a read or write, quoted or bare) or
 * `If-None-Match: *`; undefined without either. Anything else is a 400: a condition the server cannot honour must
 * never be ignored, or a client would believe it holds.
 */
export function conditionFrom(headers: {
  readonly 'if-match'?: string | undefined;
  readonly 'if-none-match'?: string | undefined;
}): Precondition | undefined {
  const ifMatch = headers['if-match']?.trim();
  const ifNoneMatch = headers['if-none-match']?.trim();
  if (ifMatch !== undefined && ifNoneMatch !== undefined) {
    throw new KvError('KV_ERR_INVALID_ARGUMENT', 'send If-Match or If-None-Match, not both');
  }
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch !== '*') {
      throw new KvError('KV_ERR_INVALID_ARGUMENT', 'If-None-Match takes only `*` (apply only if the key is absent)');
    }
    return { absent: true };
  }
  if (ifMatch === undefined) return undefined;
  const version = parseVersion(ifMatch.replace(/^"(.*)"$/, '$1'));
  if (version === undefined) {
    throw new KvError(
      'KV_ERR_INVALID_ARGUMENT',
      `If-Match takes one version, as the ETag of a read or write (e.g. "116434624594509824"), got ${JSON.stringify(ifMatch)}`,
    );
  }
  return { version };
}

/** The wait bound for `?wait=applied`, or undefined when the client does not wait. */
export function waitOption(app: FastifyInstance, wait: 'applied' | undefined): { waitAppliedMs?: number } {
  return wait === 'applied' ? { waitAppliedMs: app.apiConfig.waitAppliedMs } : {};
}
