// Original file: proto/kvstore/v1/kvstore.proto

import type { TxnPut as _kvstore_TxnPut, TxnPut__Output as _kvstore_TxnPut__Output } from '../kvstore/TxnPut.js';
import type { TxnDelete as _kvstore_TxnDelete, TxnDelete__Output as _kvstore_TxnDelete__Output } from '../kvstore/TxnDelete.js';

export interface TxnOp {
  'put'?: (_kvstore_TxnPut | null);
  'delete'?: (_kvstore_TxnDelete | null);
  'op'?: "put"|"delete";
}

export interface TxnOp__Output {
  'put'?: (_kvstore_TxnPut__Output | null);
  'delete'?: (_kvstore_TxnDelete__Output | null);
  'op'?: "put"|"delete";
}
