// Original file: proto/kvstore/v1/kvstore.proto


/**
 * With every field left at its default, GetAll returns every key (the seed's behaviour), in UTF-8 byte order.
 */
export interface GetAllRequest {
  /**
   * Only keys starting with this prefix.
   */
  'prefix'?: (string);
  /**
   * Page size (at most 1000; next_cursor says more follow); 0 means no limit (every key, in pages fetched by the server).
   */
  'limit'?: (number);
  /**
   * Resume after the page that returned this `next_cursor`.
   */
  'cursor'?: (string);
}

/**
 * With every field left at its default, GetAll returns every key (the seed's behaviour), in UTF-8 byte order.
 */
export interface GetAllRequest__Output {
  /**
   * Only keys starting with this prefix.
   */
  'prefix': (string);
  /**
   * Page size (at most 1000; next_cursor says more follow); 0 means no limit (every key, in pages fetched by the server).
   */
  'limit': (number);
  /**
   * Resume after the page that returned this `next_cursor`.
   */
  'cursor': (string);
}
