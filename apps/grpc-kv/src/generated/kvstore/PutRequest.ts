// Original file: proto/kvstore/v1/kvstore.proto


export interface PutRequest {
  'key'?: (string);
  'value'?: (string);
  /**
   * Answer only once the write is applied (read-your-writes), waiting at most the server's bound
   * (DEADLINE_EXCEEDED past it). Without it the answer comes once the write is durably accepted.
   */
  'waitApplied'?: (boolean);
}

export interface PutRequest__Output {
  'key': (string);
  'value': (string);
  /**
   * Answer only once the write is applied (read-your-writes), waiting at most the server's bound
   * (DEADLINE_EXCEEDED past it). Without it the answer comes once the write is durably accepted.
   */
  'waitApplied': (boolean);
}
