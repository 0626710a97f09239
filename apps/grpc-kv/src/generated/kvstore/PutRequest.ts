// Original file: proto/kvstore/v1/kvstore.proto

import type { Long } from '@grpc/proto-loader';

export interface PutRequest {
  'key'?: (string);
  'value'?: (string);
  /**
   * Answer only once the write is applied (read-your-writes), waiting at most the server's bound
   * (DEADLINE_EXCEEDED past it). Without it the answer comes once the write is durably accepted.
   */
  'waitApplied'?: (boolean);
  /**
   * Compare-and-set: write only if the key exists with exactly this version. A conditional write always waits for
   * its outcome, as with wait_applied.
   */
  'ifVersion'?: (number | string | Long);
  /**
   * Create only: write only if the key does not exist (an expired key does not). Waits like if_version.
   */
  'ifAbsent'?: (boolean);
  /**
   * Time to live in whole seconds (1..315360000, ten years); 0 means the key never expires. Once expired the key
   * is gone from every read, and watchers receive a DELETE event.
   */
  'ttlSeconds'?: (number);
  '_ifVersion'?: "ifVersion";
}

export interface PutRequest__Output {
  'key': (string);
  'value': (string);
  /**
   * Answer only once the write is applied (read-your-writes), waiting at most the server's bound
   * (DEADLINE_EXCEEDED past it). Without it the answer comes once the write is durably accepted.
   */
  'waitApplied': (boolean);
  /**
   * Compare-and-set: write only if the key exists with exactly this version. A conditional write always waits for
   * its outcome, as with wait_applied.
   */
  'ifVersion'?: (string);
  /**
   * Create only: write only if the key does not exist (an expired key does not). Waits like if_version.
   */
  'ifAbsent': (boolean);
  /**
   * Time to live in whole seconds (1..315360000, ten years); 0 means the key never expires. Once expired the key
   * is gone from every read, and watchers receive a DELETE event.
   */
  'ttlSeconds': (number);
  '_ifVersion'?: "ifVersion";
}
