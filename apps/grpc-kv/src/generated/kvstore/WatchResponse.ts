// Original file: proto/kvstore/v1/kvstore.proto

import type { EventType as _kvstore_EventType, EventType__Output as _kvstore_EventType__Output } from '../kvstore/EventType.js';
import type { Long } from '@grpc/proto-loader';

export interface WatchResponse {
  /**
   * A human-readable line, e.g. "PUT user:1 = hello (version 123)".
   */
  'message'?: (string);
  'type'?: (_kvstore_EventType);
  'key'?: (string);
  /**
   * The new value (empty for a delete).
   */
  'value'?: (string);
  /**
   * Version of the change; pass the last one seen as `from_version` to resume after a reconnect.
   */
  'version'?: (number | string | Long);
  /**
   * When the write was accepted, in milliseconds since the epoch.
   */
  'timestampMs'?: (number | string | Long);
}

export interface WatchResponse__Output {
  /**
   * A human-readable line, e.g. "PUT user:1 = hello (version 123)".
   */
  'message': (string);
  'type': (_kvstore_EventType__Output);
  'key': (string);
  /**
   * The new value (empty for a delete).
   */
  'value': (string);
  /**
   * Version of the change; pass the last one seen as `from_version` to resume after a reconnect.
   */
  'version': (string);
  /**
   * When the write was accepted, in milliseconds since the epoch.
   */
  'timestampMs': (string);
}
