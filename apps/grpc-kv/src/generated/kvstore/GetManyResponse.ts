// Original file: proto/kvstore/v1/kvstore.proto

import type { GetManyEntry as _kvstore_GetManyEntry, GetManyEntry__Output as _kvstore_GetManyEntry__Output } from '../kvstore/GetManyEntry.js';

export interface GetManyResponse {
  /**
   * One entry per requested key, in the order asked.
   */
  'entries'?: (_kvstore_GetManyEntry)[];
}

export interface GetManyResponse__Output {
  /**
   * One entry per requested key, in the order asked.
   */
  'entries': (_kvstore_GetManyEntry__Output)[];
}
