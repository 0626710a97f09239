import type { DataPlane, WriteResult } from '@kverse/data-plane';
import type { KvRecord } from '@kverse/kv-core';
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
  };
}

/** 200 once applied when the client asked to wait, else 202 Accepted; the body always carries the version. */
export function sendWrite(reply: FastifyReply, result: WriteResult, waited: boolean) {
  reply.request.written = { keys: [result.key], version: result.version.toString(), applied: result.applied };
  return reply.code(waited ? 200 : 202).send({
    key: result.key,
    version: result.version.toString(),
    status: result.applied ? ('applied' as const) : ('pending' as const),
  });
}

/** The wait bound for `?wait=applied`, or undefined when the client does not wait. */
export function waitOption(app: FastifyInstance, wait: 'applied' | undefined): { waitAppliedMs?: number } {
  return wait === 'applied' ? { waitAppliedMs: app.apiConfig.waitAppliedMs } : {};
}
