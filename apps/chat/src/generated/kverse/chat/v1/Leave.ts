// Original file: proto/chat/v1/chat.proto


export interface Leave {
  'room'?: (string);
}

export interface Leave__Output {
  'room': (string);
}
