import { isUtf8 } from 'node:buffer';
import { KvError } from '@kverse/kv-core';
import type { FastifyInstance, FastifySchemaCompiler } from 'fastify';
import fp from 'fastify-plugin';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';

/**
 * Strict input decoding. Bodies and query strings that are not valid UTF-8 are refused with a 400 rather than being
 * silently turned into U+FFFD (which would store a different key than the client sent).
 */
export const inputPlugin = fp(
  async (app: FastifyInstance) => {
    const parseJson = app.getDefaultJsonParser('error', 'error');
    // JSON only: any other body type is a 415, not a string that fails validation later.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
      const buffer = body as Buffer;
      if (!isUtf8(buffer)) {
        done(new KvError('KV_ERR_INVALID_ARGUMENT', 'body is not valid UTF-8'), undefined);
        return;
      }
      parseJson(request, buffer.toString('utf8'), done);
    });
    app.addHook('preValidation', async (request) => {
      if ((request.query as Record<string, unknown> | undefined)?.[INVALID_QUERY]) {
        throw new KvError('KV_ERR_INVALID_ARGUMENT', 'query string is not valid percent-encoded UTF-8');
      }
    });
  },
  { name: 'kverse-input' },
);

/**
 * Request validation with TypeBox, compiled once per schema. Query strings, params and headers arrive as strings:
 * they are checked as they are first, and converted (`"5"` → 5, `"true"` → true) only when that fails — the
 * conversion is interpreted, and cost more than the rest of a GET's validation for a query that was already right
 * (`@fastify/type-provider-typebox`'s compiler converts every time). Bodies are JSON and never converted.
 */
export const validatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const validator = Compile(schema);
  return (value: unknown) => {
    if (validator.Check(value)) return { value };
    if (httpPart !== 'body') {
      const converted = Value.Convert(schema, value);
      if (validator.Check(converted)) return { value: converted };
      return { error: validator.Errors(converted) };
    }
    return { error: validator.Errors(value) };
  };
};

/**
 * Query-string parser for fastify's `routerOptions.querystringParser`: strict percent-decoding. An invalid escape
 * or invalid UTF-8 marks the query, and a hook answers 400 (fastify calls this parser where throwing is not handled).
 */
export function parseQueryString(query: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = decode(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? '' : decode(part.slice(eq + 1));
    if (name === undefined || value === undefined) return { [INVALID_QUERY]: 'true' };
    const prev = out[name];
    out[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}

/** Marker a route's query schema rejects (it is never an allowed property). */
export const INVALID_QUERY = '__invalid_encoding__';

function decode(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
}
