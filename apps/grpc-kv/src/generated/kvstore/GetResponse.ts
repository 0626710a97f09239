// Original file: proto/kvstore/v1/kvstore.proto

import type { Long } from '@grpc/proto-loader';

export interface GetResponse {
  'key'?: (string);
  'value'?: (string);
  /**
   * Version of the write that produced this value.
   */
  'version'?: (number | string | Long);
}

export interface GetResponse__Output {
  'key': (string);
  'value': (string);
  /**
   * Version of the write that produced this value.
   */
  'version': (string);
}
