import { isKvError, KvError, type KvErrorCode } from '@kverse/kv-core';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

/**
 * The one mapping from errors to HTTP: every error answers `{"error":{"code","message"}}` with its status.
 * KvErrors carry their own; fastify's own errors (validation, body parsing, limits) are translated; anything else is
 * a 500 whose details are logged, never sent.
 */
export const errorsPlugin = fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler((err: FastifyError, request, reply) => {
      const kv = toKvError(err);
      if (kv.httpStatus >= 500 && kv.code === 'KV_ERR_INTERNAL') {
        request.log.error({ err, reqId: request.id }, 'request failed');
      } else if (kv.httpStatus >= 500) {
        request.log.warn({ code: kv.code, msg: kv.message }, 'request refused: dependency unavailable');
      }
      sendError(reply, kv);
    });

    app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
      sendError(
        reply,
        new KvError('KV_ERR_ROUTE_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`),
      );
    });
  },
  { name: 'kverse-errors' },
);

export function sendError(reply: FastifyReply, err: KvError): FastifyReply {
  if (err.retryAfterSeconds !== undefined) reply.header('retry-after', String(err.retryAfterSeconds));
  const body = {
    error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) },
  };
  return reply.code(err.httpStatus).type('application/json; charset=utf-8').send(body);
}

const FASTIFY_CODES: Readonly<Record<string, KvErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'KV_ERR_PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'KV_ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'KV_ERR_INVALID_ARGUMENT',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'KV_ERR_INVALID_ARGUMENT',
  FST_ERR_CTP_INVALID_JSON_BODY: 'KV_ERR_INVALID_ARGUMENT',
  FST_ERR_VALIDATION: 'KV_ERR_INVALID_ARGUMENT',
};

/** The KvError an error answers as (fastify's own errors translated, anything else internal). */
export function toKvError(err: FastifyError): KvError {
  if (isKvError(err)) return err;
  if (err.validation) {
    return new KvError('KV_ERR_INVALID_ARGUMENT', `${err.validationContext ?? 'request'}: ${describeValidation(err)}`);
  }
  const mapped = err.code ? FASTIFY_CODES[err.code] : undefined;
  if (mapped) return new KvError(mapped, err.message);
  if (err instanceof SyntaxError || (err.statusCode === 400 && err.message.includes('JSON'))) {
    return new KvError('KV_ERR_INVALID_ARGUMENT', `body is not valid JSON: ${err.message}`);
  }
  if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
    return new KvError(err.statusCode === 413 ? 'KV_ERR_PAYLOAD_TOO_LARGE' : 'KV_ERR_INVALID_ARGUMENT', err.message);
  }
  return new KvError('KV_ERR_INTERNAL', 'internal error', { cause: err });
}

function describeValidation(err: FastifyError): string {
  return (err.validation ?? [])
    .map((v) => {
      const where = v.instancePath ? v.instancePath.slice(1).replaceAll('/', '.') : '';
      const extra = (v.params as { additionalProperty?: string; requiredProperties?: string[] } | undefined) ?? {};
      if (extra.additionalProperty) return `unknown field '${extra.additionalProperty}'`;
      if (extra.requiredProperties)
        return `missing field(s) ${extra.requiredProperties.map((p) => `'${p}'`).join(', ')}`;
      return where ? `${where} ${v.message}` : (v.message ?? 'invalid');
    })
    .join('; ');
}
