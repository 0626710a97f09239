// Original file: proto/chat/v1/chat.proto


/**
 * Sent to the leaving connection, with its request_id. The others learn of it through Presence.left.
 */
export interface Left {
  'room'?: (string);
  'user'?: (string);
}

/**
 * Sent to the leaving connection, with its request_id. The others learn of it through Presence.left.
 */
export interface Left__Output {
  'room': (string);
  'user': (string);
}
