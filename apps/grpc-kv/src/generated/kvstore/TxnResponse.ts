// Original file: proto/kvstore/v1/kvstore.proto

import type { Long } from '@grpc/proto-loader';

export interface TxnResponse {
  /**
   * True when every compare held and the operations were written.
   */
  'succeeded'?: (boolean);
  /**
   * The version every write of the transaction carries.
   */
  'version'?: (number | string | Long);
  'applied'?: (boolean);
}

export interface TxnResponse__Output {
  /**
   * True when every compare held and the operations were written.
   */
  'succeeded': (boolean);
  /**
   * The version every write of the transaction carries.
   */
  'version': (string);
  'applied': (boolean);
}
