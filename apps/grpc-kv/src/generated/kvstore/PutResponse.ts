// Original file: proto/kvstore/v1/kvstore.proto

import type { Long } from '@grpc/proto-loader';

export interface PutResponse {
  'success'?: (boolean);
  /**
   * Version the write was given: the key's new version once applied.
   */
  'version'?: (number | string | Long);
  /**
   * True when the write is already applied (readable by Get on any front door).
   */
  'applied'?: (boolean);
  /**
   * When the key expires (ttl_seconds), in milliseconds since the epoch; 0 when it never does.
   */
  'expiresAtMs'?: (number | string | Long);
}

export interface PutResponse__Output {
  'success': (boolean);
  /**
   * Version the write was given: the key's new version once applied.
   */
  'version': (string);
  /**
   * True when the write is already applied (readable by Get on any front door).
   */
  'applied': (boolean);
  /**
   * When the key expires (ttl_seconds), in milliseconds since the epoch; 0 when it never does.
   */
  'expiresAtMs': (string);
}
