// Original file: proto/kvstore/v1/kvstore.proto


export interface TxnDelete {
  /**
   * Deleting a key that does not exist is not an error inside a transaction (compare `absent` to require it).
   */
  'key'?: (string);
}

export interface TxnDelete__Output {
  /**
   * Deleting a key that does not exist is not an error inside a transaction (compare `absent` to require it).
   */
  'key': (string);
}
