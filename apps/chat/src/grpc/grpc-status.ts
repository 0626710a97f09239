import { Metadata, type StatusObject, status } from '@grpc/grpc-js';
import type { KvError } from '@kverse/kv-core';

/** Trailer carrying the KV_ERR_* code of a call that ended in error. */
export const ERROR_CODE_TRAILER = 'kverse-error-code';

/** The status a call ends with for a {@link KvError}: its gRPC code, its message, its code in a trailer. */
export function toGrpcStatus(error: KvError): Pick<StatusObject, 'code' | 'details' | 'metadata'> {
  const metadata = new Metadata();
  metadata.set(ERROR_CODE_TRAILER, error.code);
  return { code: status[error.grpcStatus], details: error.message, metadata };
}
