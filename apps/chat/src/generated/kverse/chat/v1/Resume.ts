// Original file: proto/chat/v1/chat.proto

import type { Long } from '@grpc/proto-loader';

/**
 * Enters a room as `user` and first receives every message after `after_offset` of `epoch` that the server
 * still keeps. Joined.resume says whether the gap could be filled exactly.
 */
export interface Resume {
  'room'?: (string);
  'user'?: (string);
  'epoch'?: (string);
  /**
   * The last offset the client has seen; delivery restarts at after_offset + 1.
   */
  'afterOffset'?: (number | string | Long);
}

/**
 * Enters a room as `user` and first receives every message after `after_offset` of `epoch` that the server
 * still keeps. Joined.resume says whether the gap could be filled exactly.
 */
export interface Resume__Output {
  'room': (string);
  'user': (string);
  'epoch': (string);
  /**
   * The last offset the client has seen; delivery restarts at after_offset + 1.
   */
  'afterOffset': (number);
}
