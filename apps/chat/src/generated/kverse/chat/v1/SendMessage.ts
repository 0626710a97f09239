// Original file: proto/chat/v1/chat.proto


export interface SendMessage {
  'room'?: (string);
  'text'?: (string);
}

export interface SendMessage__Output {
  'room': (string);
  'text': (string);
}
