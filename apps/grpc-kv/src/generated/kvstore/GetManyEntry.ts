// Original file: proto/kvstore/v1/kvstore.proto

import type { Long } from '@grpc/proto-loader';

export interface GetManyEntry {
  'key'?: (string);
  /**
   * False for a missing (or expired) key; the other fields are then empty.
   */
  'found'?: (boolean);
  'value'?: (string);
  'version'?: (number | string | Long);
  /**
   * When the key expires, in milliseconds since the epoch; 0 when it never does.
   */
  'expiresAtMs'?: (number | string | Long);
}

export interface GetManyEntry__Output {
  'key': (string);
  /**
   * False for a missing (or expired) key; the other fields are then empty.
   */
  'found': (boolean);
  'value': (string);
  'version': (string);
  /**
   * When the key expires, in milliseconds since the epoch; 0 when it never does.
   */
  'expiresAtMs': (string);
}
