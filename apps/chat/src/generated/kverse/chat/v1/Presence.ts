// Original file: proto/chat/v1/chat.proto


/**
 * Everyone in the room now, each user once, sorted.
 */
export interface Presence {
  'room'?: (string);
  'users'?: (string)[];
}

/**
 * Everyone in the room now, each user once, sorted.
 */
export interface Presence__Output {
  'room': (string);
  'users': (string)[];
}
