/**
 * Every failure a client can see has a stable `KV_ERR_*` code, an HTTP status and a gRPC status.
 * Front doors map a {@link KvError} with one function each (HTTP error handler, gRPC status mapper);
 * anything that is not a KvError is an internal error whose details are never shown to a client.
 */

/** gRPC status names (`@grpc/grpc-js`'s `status` enum keys), so this package needs no gRPC dependency. */
export type GrpcStatusName =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'FAILED_PRECONDITION'
  | 'RESOURCE_EXHAUSTED'
  | 'UNAVAILABLE'
  | 'DEADLINE_EXCEEDED'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'OUT_OF_RANGE'
  | 'ABORTED'
  | 'DATA_LOSS'
  | 'INTERNAL';

interface ErrorSpec {
  readonly http: number;
  readonly grpc: GrpcStatusName;
}

export const KV_ERRORS = {
  KV_ERR_INVALID_KEY: { http: 400, grpc: 'INVALID_ARGUMENT' },
  KV_ERR_INVALID_VALUE: { http: 400, grpc: 'INVALID_ARGUMENT' },
  KV_ERR_INVALID_ARGUMENT: { http: 400, grpc: 'INVALID_ARGUMENT' },
  KV_ERR_INVALID_CURSOR: { http: 400, grpc: 'INVALID_ARGUMENT' },
  KV_ERR_KEY_TOO_LARGE: { http: 413, grpc: 'INVALID_ARGUMENT' },
  KV_ERR_VALUE_TOO_LARGE: { http: 413, grpc: 'INVALID_ARGUMENT' },
  KV_ERR_PAYLOAD_TOO_LARGE: { http: 413, grpc: 'RESOURCE_EXHAUSTED' },
  KV_ERR_UNSUPPORTED_MEDIA_TYPE: { http: 415, grpc: 'INVALID_ARGUMENT' },
  KV_ERR_NOT_FOUND: { http: 404, grpc: 'NOT_FOUND' },
  KV_ERR_ROUTE_NOT_FOUND: { http: 404, grpc: 'NOT_FOUND' },
  KV_ERR_METHOD_NOT_ALLOWED: { http: 405, grpc: 'INVALID_ARGUMENT' },
  KV_ERR_PRECONDITION_FAILED: { http: 412, grpc: 'FAILED_PRECONDITION' },
  KV_ERR_CONFLICT: { http: 409, grpc: 'ABORTED' },
  KV_ERR_COMPACTED: { http: 410, grpc: 'OUT_OF_RANGE' },
  KV_ERR_RATE_LIMITED: { http: 429, grpc: 'RESOURCE_EXHAUSTED' },
  /** A per-client quota other than rate was reached (e.g. rooms one connection may be in at once). */
  KV_ERR_LIMIT_EXCEEDED: { http: 429, grpc: 'RESOURCE_EXHAUSTED' },
  KV_ERR_SLOW_CONSUMER: { http: 503, grpc: 'RESOURCE_EXHAUSTED' },
  KV_ERR_UNAUTHENTICATED: { http: 401, grpc: 'UNAUTHENTICATED' },
  KV_ERR_PERMISSION_DENIED: { http: 403, grpc: 'PERMISSION_DENIED' },
  KV_ERR_UNAVAILABLE: { http: 503, grpc: 'UNAVAILABLE' },
  KV_ERR_TIMEOUT: { http: 504, grpc: 'DEADLINE_EXCEEDED' },
  KV_ERR_SHUTTING_DOWN: { http: 503, grpc: 'UNAVAILABLE' },
  /** Stored data failed its integrity check (a CRC mismatch, a missing log segment); the engine refuses to open. */
  KV_ERR_DATA_CORRUPTED: { http: 500, grpc: 'DATA_LOSS' },
  /** The data directory is held by another process (its lock file names the holder). */
  KV_ERR_DATA_DIR_LOCKED: { http: 503, grpc: 'UNAVAILABLE' },
  KV_ERR_INTERNAL: { http: 500, grpc: 'INTERNAL' },
} as const satisfies Record<string, ErrorSpec>;

export type KvErrorCode = keyof typeof KV_ERRORS;

export interface KvErrorOptions {
  /** Seconds a client should wait before retrying (HTTP `Retry-After`). */
  readonly retryAfterSeconds?: number;
  /** Machine-readable extra facts safe to show a client (e.g. the version to resume from). */
  readonly details?: Readonly<Record<string, unknown>>;
  readonly cause?: unknown;
}

export class KvError extends Error {
  override readonly name = 'KvError';
  readonly code: KvErrorCode;
  readonly httpStatus: number;
  readonly grpcStatus: GrpcStatusName;
  readonly retryAfterSeconds: number | undefined;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: KvErrorCode, message: string, options: KvErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.httpStatus = KV_ERRORS[code].http;
    this.grpcStatus = KV_ERRORS[code].grpc;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.details = options.details;
  }
}

export function isKvError(err: unknown): err is KvError {
  return err instanceof KvError;
}
