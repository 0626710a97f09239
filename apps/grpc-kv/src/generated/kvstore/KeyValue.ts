// Original file: proto/kvstore/v1/kvstore.proto

import type { Long } from '@grpc/proto-loader';

export interface KeyValue {
  'key'?: (string);
  'value'?: (string);
  'version'?: (number | string | Long);
  /**
   * When the key expires, in milliseconds since the epoch; 0 when it never does.
   */
  'expiresAtMs'?: (number | string | Long);
}

export interface KeyValue__Output {
  'key': (string);
  'value': (string);
  'version': (string);
  /**
   * When the key expires, in milliseconds since the epoch; 0 when it never does.
   */
  'expiresAtMs': (string);
}
