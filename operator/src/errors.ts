/**
 * Failures of the operator, each with a stable code. The operator has no front door of its own: the codes appear
 * in logs, in KVStore status messages and in Events, so an administrator can search for them.
 */
export const OPERATOR_ERRORS = {
  /** A stored KVStore's spec fails the schema (e.g. stored before a stricter CRD); status says what is wrong. */
  KV_ERR_OPERATOR_INVALID_SPEC: 'the KVStore spec is invalid',
  /** The API server refused to apply a desired object (admission, a missing CRD, an immutable field). */
  KV_ERR_OPERATOR_APPLY_FAILED: 'applying a desired object failed',
  /** Deleting an object that is no longer desired failed. */
  KV_ERR_OPERATOR_PRUNE_FAILED: 'pruning an object failed',
  /** Writing the status subresource failed (usually a conflict: the next attempt reads afresh). */
  KV_ERR_OPERATOR_STATUS_FAILED: 'writing status failed',
  /** The Kubernetes API could not be reached or answered with a server error. */
  KV_ERR_OPERATOR_API_UNAVAILABLE: 'the Kubernetes API is unavailable',
  /** The operator's configuration (environment, kubeconfig) is unusable. */
  KV_ERR_OPERATOR_CONFIG: 'the operator configuration is invalid',
} as const;

export type OperatorErrorCode = keyof typeof OPERATOR_ERRORS;

/** An operator failure with a code; `cause` keeps the underlying error (e.g. the API server's answer). */
export class OperatorError extends Error {
  override readonly name = 'OperatorError';
  constructor(
    readonly code: OperatorErrorCode,
    message: string = OPERATOR_ERRORS[code],
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${message}`, options);
  }
}

/** HTTP status of a failed Kubernetes API call (client-node's ApiException), or undefined for anything else. */
export function httpStatus(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** True when the API server answered 404: the object (or its kind) does not exist. */
export function isNotFound(err: unknown): boolean {
  return httpStatus(err) === 404;
}

/** True when an optimistic-concurrency write lost the race (409): read again and retry. */
export function isConflict(err: unknown): boolean {
  return httpStatus(err) === 409;
}

/** The API server's own message from a failed call (its Status body), for status conditions and Events. */
export function apiMessage(err: unknown): string {
  const body = (err as { body?: unknown } | null)?.body;
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body) as { message?: unknown };
      if (typeof parsed.message === 'string') return parsed.message;
    } catch {
      return body.slice(0, 500);
    }
  }
  if (body && typeof body === 'object' && typeof (body as { message?: unknown }).message === 'string') {
    return (body as { message: string }).message;
  }
  return err instanceof Error ? err.message : String(err);
}
