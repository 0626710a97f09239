// Original file: proto/kvstore/v1/kvstore.proto

import type { Long } from '@grpc/proto-loader';

export interface DeleteResponse {
  'success'?: (boolean);
  /**
   * Version of the delete (tombstone).
   */
  'version'?: (number | string | Long);
  'applied'?: (boolean);
}

export interface DeleteResponse__Output {
  'success': (boolean);
  /**
   * Version of the delete (tombstone).
   */
  'version': (string);
  'applied': (boolean);
}
