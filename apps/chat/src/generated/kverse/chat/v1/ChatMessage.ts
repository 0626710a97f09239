// Original file: proto/chat/v1/chat.proto

import type { Long } from '@grpc/proto-loader';

export interface ChatMessage {
  'room'?: (string);
  'epoch'?: (string);
  'offset'?: (number | string | Long);
  'user'?: (string);
  'text'?: (string);
  /**
   * Server time of acceptance, milliseconds since the Unix epoch.
   */
  'sentAtMs'?: (number | string | Long);
  /**
   * The sender's request_id, so a sender recognises its own message.
   */
  'senderRequestId'?: (string);
}

export interface ChatMessage__Output {
  'room': (string);
  'epoch': (string);
  'offset': (number);
  'user': (string);
  'text': (string);
  /**
   * Server time of acceptance, milliseconds since the Unix epoch.
   */
  'sentAtMs': (number);
  /**
   * The sender's request_id, so a sender recognises its own message.
   */
  'senderRequestId': (string);
}
