// Original file: proto/kvstore/v1/kvstore.proto

import type { Long } from '@grpc/proto-loader';

export interface WatchRequest {
  /**
   * The key to watch; with `prefix`, every key starting with it ("" and prefix = everything).
   */
  'key'?: (string);
  'prefix'?: (boolean);
  /**
   * Resume: first deliver the retained changes with a version above this one, then live changes.
   * Older than the retained history → OUT_OF_RANGE ("compacted").
   */
  'fromVersion'?: (number | string | Long);
  '_fromVersion'?: "fromVersion";
}

export interface WatchRequest__Output {
  /**
   * The key to watch; with `prefix`, every key starting with it ("" and prefix = everything).
   */
  'key': (string);
  'prefix': (boolean);
  /**
   * Resume: first deliver the retained changes with a version above this one, then live changes.
   * Older than the retained history → OUT_OF_RANGE ("compacted").
   */
  'fromVersion'?: (string);
  '_fromVersion'?: "fromVersion";
}
