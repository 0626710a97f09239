// Original file: proto/kvstore/v1/kvstore.proto

import type { Long } from '@grpc/proto-loader';

export interface DeleteRequest {
  'key'?: (string);
  /**
   * As in PutRequest.
   */
  'waitApplied'?: (boolean);
  /**
   * Delete only if the key exists with exactly this version; waits for the outcome like PutRequest.if_version.
   */
  'ifVersion'?: (number | string | Long);
  '_ifVersion'?: "ifVersion";
}

export interface DeleteRequest__Output {
  'key': (string);
  /**
   * As in PutRequest.
   */
  'waitApplied': (boolean);
  /**
   * Delete only if the key exists with exactly this version; waits for the outcome like PutRequest.if_version.
   */
  'ifVersion'?: (string);
  '_ifVersion'?: "ifVersion";
}
