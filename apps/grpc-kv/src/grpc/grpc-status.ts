import { Metadata, type StatusObject, status } from '@grpc/grpc-js';
import { isKvError, KvError } from '@kverse/kv-core';

/** Trailer carrying the KV_ERR_* code of a call that ended in error. */
export const ERROR_CODE_TRAILER = 'kverse-error-code';
/** Trailer carrying the whole seconds a rate-limited client should wait before retrying (like HTTP `Retry-After`). */
export const RETRY_AFTER_TRAILER = 'retry-after';
/** Trailer carrying the version a cut-off watcher resumes from (`from_version`). */
export const RESUME_VERSION_TRAILER = 'kverse-resume-from-version';
/** Watch response header: the version the watch starts at, the `from_version` of a reconnect before any event. */
export const START_VERSION_HEADER = 'kverse-start-version';
/** Trailer carrying a key's version when a condition on it failed (FAILED_PRECONDITION); absent if it does not exist. */
export const CURRENT_VERSION_TRAILER = 'kverse-current-version';

export type GrpcErrorStatus = Pick<StatusObject, 'code' | 'details' | 'metadata'>;

/**
 * The one mapping from errors to gRPC statuses: a {@link KvError} keeps its status, message and code (in a
 * trailer, with the resume version or a failed condition's current version when it has one); anything else is INTERNAL without details, so internals never
 * leak to a client.
 */
export function toGrpcStatus(err: unknown): GrpcErrorStatus {
  const error = isKvError(err) ? err : new KvError('KV_ERR_INTERNAL', 'internal error');
  const metadata = new Metadata();
  metadata.set(ERROR_CODE_TRAILER, error.code);
  const resume = error.details?.resumeFromVersion;
  if (typeof resume === 'string') metadata.set(RESUME_VERSION_TRAILER, resume);
  const current = error.details?.currentVersion;
  if (typeof current === 'string') metadata.set(CURRENT_VERSION_TRAILER, current);
  if (error.retryAfterSeconds !== undefined) metadata.set(RETRY_AFTER_TRAILER, String(error.retryAfterSeconds));
  return { code: status[error.grpcStatus], details: error.message, metadata };
}
