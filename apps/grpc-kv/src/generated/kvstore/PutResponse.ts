// Original file: proto/kvstore/v1/kvstore.proto

import type { Long } from '@grpc/proto-loader';

export interface PutResponse {
  'success'?: (boolean);
  /**
   * Version the write was given.
   */
  'version'?: (number | string | Long);
  /**
   * True when the write is already applied (readable by Get on any front door).
   */
  'applied'?: (boolean);
}

export interface PutResponse__Output {
  'success': (boolean);
  /**
   * Version the write was given.
   */
  'version': (string);
  /**
   * True when the write is already applied (readable by Get on any front door).
   */
  'applied': (boolean);
}
