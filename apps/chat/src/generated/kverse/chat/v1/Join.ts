// Original file: proto/chat/v1/chat.proto


/**
 * Enters a room as `user`; live messages from the room's current head on.
 */
export interface Join {
  'room'?: (string);
  'user'?: (string);
}

/**
 * Enters a room as `user`; live messages from the room's current head on.
 */
export interface Join__Output {
  'room': (string);
  'user': (string);
}
