// Original file: proto/kvstore/v1/kvstore.proto

import type { Long } from '@grpc/proto-loader';

/**
 * A condition on one key, checked when the transaction is applied.
 */
export interface Compare {
  'key'?: (string);
  /**
   * The key exists with exactly this version.
   */
  'version'?: (number | string | Long);
  /**
   * The key does not exist (must be true when set).
   */
  'absent'?: (boolean);
  'target'?: "version"|"absent";
}

/**
 * A condition on one key, checked when the transaction is applied.
 */
export interface Compare__Output {
  'key': (string);
  /**
   * The key exists with exactly this version.
   */
  'version'?: (string);
  /**
   * The key does not exist (must be true when set).
   */
  'absent'?: (boolean);
  'target'?: "version"|"absent";
}
