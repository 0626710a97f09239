// Original file: proto/kvstore/v1/kvstore.proto

import type { KeyValue as _kvstore_KeyValue, KeyValue__Output as _kvstore_KeyValue__Output } from '../kvstore/KeyValue.js';

export interface GetAllResponse {
  'pairs'?: (_kvstore_KeyValue)[];
  /**
   * Set when more keys follow: pass it as `cursor` to get the next page.
   */
  'nextCursor'?: (string);
}

export interface GetAllResponse__Output {
  'pairs': (_kvstore_KeyValue__Output)[];
  /**
   * Set when more keys follow: pass it as `cursor` to get the next page.
   */
  'nextCursor': (string);
}
