// Original file: proto/chat/v1/chat.proto


export interface Error {
  /**
   * A KV_ERR_* code (see packages/kv-core errors.ts).
   */
  'code'?: (string);
  'message'?: (string);
  /**
   * The room the failed envelope concerned, if any.
   */
  'room'?: (string);
}

export interface Error__Output {
  /**
   * A KV_ERR_* code (see packages/kv-core errors.ts).
   */
  'code': (string);
  'message': (string);
  /**
   * The room the failed envelope concerned, if any.
   */
  'room': (string);
}
