// Original file: proto/chat/v1/chat.proto


/**
 * Everyone in the room now, each user once, sorted; and who joined and left since the previous Presence.
 * Changes close together (within tens of milliseconds) arrive as one Presence, so a room filling up with N
 * members costs N members a handful of events rather than N each.
 */
export interface Presence {
  'room'?: (string);
  'users'?: (string)[];
  'joined'?: (string)[];
  'left'?: (string)[];
}

/**
 * Everyone in the room now, each user once, sorted; and who joined and left since the previous Presence.
 * Changes close together (within tens of milliseconds) arrive as one Presence, so a room filling up with N
 * members costs N members a handful of events rather than N each.
 */
export interface Presence__Output {
  'room': (string);
  'users': (string)[];
  'joined': (string)[];
  'left': (string)[];
}
