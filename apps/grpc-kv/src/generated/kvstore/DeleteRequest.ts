// Original file: proto/kvstore/v1/kvstore.proto


export interface DeleteRequest {
  'key'?: (string);
  /**
   * As in PutRequest.
   */
  'waitApplied'?: (boolean);
}

export interface DeleteRequest__Output {
  'key': (string);
  /**
   * As in PutRequest.
   */
  'waitApplied': (boolean);
}
