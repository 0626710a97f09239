import { askForToken, storedToken } from './token.js';

/**
 * The REST API the UI uses (apps/api), same origin. Every failure becomes an {@link ApiError} with the API's code.
 * When the API answers 401 (auth on), the user is asked for a token once and the request is sent again with it.
 */

export interface KvRecord {
  readonly key: string;
  readonly value: string;
  /** Hybrid logical clock version as a decimal string; larger is newer. */
  readonly version: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** When the key expires (its TTL); absent when it never does. */
  readonly expiresAt?: string;
}

export interface Page {
  readonly items: KvRecord[];
  /** Pass to {@link listKeys} for the next page; absent on the last page. */
  readonly cursor?: string;
}

export interface WriteAnswer {
  readonly key: string;
  readonly version: string;
  /** `applied`: visible to every read; `pending`: durably queued, applied shortly. */
  readonly status: 'applied' | 'pending';
  /** A put with a TTL: when the key expires. */
  readonly expiresAt?: string;
}

export interface Readiness {
  readonly status: 'ready' | 'degraded' | 'unavailable';
  readonly checks: Record<string, { ok: boolean; required: boolean; detail?: string }>;
}

/** An answer that was not a success: the API's `{"error":{"code","message"}}`, or a network failure. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

async function send(
  method: string,
  path: string,
  body: unknown,
  token: string | undefined,
  headers: Record<string, string>,
): Promise<Response> {
  try {
    return await fetch(path, {
      method,
      headers: {
        ...headers,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiError('NETWORK', 'the API cannot be reached; is the server running?', 0);
  }
}

async function call<T>(
  method: string,
  path: string,
  body?: unknown,
  okStatuses: number[] = [],
  headers: Record<string, string> = {},
): Promise<T> {
  const token = storedToken();
  let res = await send(method, path, body, token, headers);
  if (res.status === 401) {
    // A refused request wrote nothing, so sending it again once with a token is safe.
    const next = await askForToken(token);
    if (next !== undefined) res = await send(method, path, body, next, headers);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (res.ok || okStatuses.includes(res.status)) return json as T;
  const error = (json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  if (error && typeof error.code === 'string' && typeof error.message === 'string') {
    throw new ApiError(error.code, error.message, res.status);
  }
  throw new ApiError(`HTTP_${res.status}`, `the API answered ${res.status} ${res.statusText}`.trim(), res.status);
}

const query = (params: Record<string, string | number | undefined>): string => {
  const q = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) q.set(name, String(value));
  const text = q.toString();
  return text ? `?${text}` : '';
};

export const listKeys = (prefix: string, limit: number, cursor?: string): Promise<Page> =>
  call('GET', `/kv${query({ prefix: prefix || undefined, limit, cursor })}`);

export const getKey = (key: string): Promise<KvRecord> => call('GET', `/kv${query({ key })}`);

/**
 * What a write requires of the key when it is applied: still at the version the user started from (`If-Match`), or
 * not existing yet (`If-None-Match: *`). When it no longer holds, nothing is written and the write fails with
 * `KV_ERR_PRECONDITION_FAILED` — known only when the write waits until applied (docs/conditional-writes.md).
 */
export type WriteCondition = { readonly version: string } | { readonly absent: true };

const conditionHeaders = (condition: WriteCondition | undefined): Record<string, string> =>
  condition === undefined
    ? {}
    : 'version' in condition
      ? { 'if-match': `"${condition.version}"` }
      : { 'if-none-match': '*' };

/** Writes a value; `ttlSeconds` makes the key expire that long after the write. */
export const putKey = (
  key: string,
  value: string,
  waitApplied: boolean,
  ttlSeconds?: number,
  condition?: WriteCondition,
): Promise<WriteAnswer> =>
  call(
    'PUT',
    `/kv${query({ wait: waitApplied ? 'applied' : undefined })}`,
    { key, value, ...(ttlSeconds === undefined ? {} : { ttl: ttlSeconds }) },
    [],
    conditionHeaders(condition),
  );

export const deleteKey = (key: string, waitApplied: boolean): Promise<WriteAnswer> =>
  call('DELETE', `/kv${query({ key, wait: waitApplied ? 'applied' : undefined })}`);

export const getHealth = (): Promise<{ status: string }> => call('GET', '/health');

/** `/ready` answers 503 with the same body when a required dependency is down. */
export const getReady = (): Promise<Readiness> => call('GET', '/ready', undefined, [503]);

/**
 * URL of the SSE watch of every key under `prefix`. EventSource cannot send headers, so the token (if any) goes in
 * `access_token`, which the API accepts on this route only.
 */
export const watchUrl = (prefix: string): string => `/kv/watch${query({ prefix, access_token: storedToken() })}`;
