// Original file: proto/chat/v1/chat.proto


export interface Left {
  'room'?: (string);
  'user'?: (string);
}

export interface Left__Output {
  'room': (string);
  'user': (string);
}
