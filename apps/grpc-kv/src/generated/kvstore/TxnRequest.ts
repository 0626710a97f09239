// Original file: proto/kvstore/v1/kvstore.proto

import type { Compare as _kvstore_Compare, Compare__Output as _kvstore_Compare__Output } from '../kvstore/Compare.js';
import type { TxnOp as _kvstore_TxnOp, TxnOp__Output as _kvstore_TxnOp__Output } from '../kvstore/TxnOp.js';

export interface TxnRequest {
  /**
   * All must hold, or nothing is written.
   */
  'compares'?: (_kvstore_Compare)[];
  /**
   * 1..128 operations on distinct keys.
   */
  'ops'?: (_kvstore_TxnOp)[];
  /**
   * Answer once applied. A transaction with compares always waits for its outcome.
   */
  'waitApplied'?: (boolean);
}

export interface TxnRequest__Output {
  /**
   * All must hold, or nothing is written.
   */
  'compares': (_kvstore_Compare__Output)[];
  /**
   * 1..128 operations on distinct keys.
   */
  'ops': (_kvstore_TxnOp__Output)[];
  /**
   * Answer once applied. A transaction with compares always waits for its outcome.
   */
  'waitApplied': (boolean);
}
