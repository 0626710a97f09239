// Original file: proto/kvstore/v1/kvstore.proto


export interface GetManyRequest {
  /**
   * 0..1000 keys; duplicates are allowed and answered each time.
   */
  'keys'?: (string)[];
}

export interface GetManyRequest__Output {
  /**
   * 0..1000 keys; duplicates are allowed and answered each time.
   */
  'keys': (string)[];
}
