// Original file: proto/kvstore/v1/kvstore.proto


export interface TxnPut {
  'key'?: (string);
  'value'?: (string);
  /**
   * As PutRequest.ttl_seconds.
   */
  'ttlSeconds'?: (number);
}

export interface TxnPut__Output {
  'key': (string);
  'value': (string);
  /**
   * As PutRequest.ttl_seconds.
   */
  'ttlSeconds': (number);
}
