// Original file: proto/kvstore/v1/kvstore.proto

import type { Long } from '@grpc/proto-loader';

export interface GetResponse {
  'key'?: (string);
  'value'?: (string);
  /**
   * Version of the write that produced this value.
   */
  'version'?: (number | string | Long);
  /**
   * When the key expires, in milliseconds since the epoch; 0 when it never does.
   */
  'expiresAtMs'?: (number | string | Long);
}

export interface GetResponse__Output {
  'key': (string);
  'value': (string);
  /**
   * Version of the write that produced this value.
   */
  'version': (string);
  /**
   * When the key expires, in milliseconds since the epoch; 0 when it never does.
   */
  'expiresAtMs': (string);
}
