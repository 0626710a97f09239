// Original file: proto/chat/v1/chat.proto

import type { Join as _kverse_chat_v1_Join, Join__Output as _kverse_chat_v1_Join__Output } from '../../../kverse/chat/v1/Join.js';
import type { Leave as _kverse_chat_v1_Leave, Leave__Output as _kverse_chat_v1_Leave__Output } from '../../../kverse/chat/v1/Leave.js';
import type { SendMessage as _kverse_chat_v1_SendMessage, SendMessage__Output as _kverse_chat_v1_SendMessage__Output } from '../../../kverse/chat/v1/SendMessage.js';
import type { Ping as _kverse_chat_v1_Ping, Ping__Output as _kverse_chat_v1_Ping__Output } from '../../../kverse/chat/v1/Ping.js';
import type { Resume as _kverse_chat_v1_Resume, Resume__Output as _kverse_chat_v1_Resume__Output } from '../../../kverse/chat/v1/Resume.js';

export interface ClientEnvelope {
  /**
   * Chosen by the client; echoed on the events that answer this envelope (joined, error, pong, and the
   * sender's own copy is recognisable by the message's request_id).
   */
  'requestId'?: (string);
  'join'?: (_kverse_chat_v1_Join | null);
  'leave'?: (_kverse_chat_v1_Leave | null);
  'message'?: (_kverse_chat_v1_SendMessage | null);
  'ping'?: (_kverse_chat_v1_Ping | null);
  'resume'?: (_kverse_chat_v1_Resume | null);
  'payload'?: "join"|"leave"|"message"|"ping"|"resume";
}

export interface ClientEnvelope__Output {
  /**
   * Chosen by the client; echoed on the events that answer this envelope (joined, error, pong, and the
   * sender's own copy is recognisable by the message's request_id).
   */
  'requestId': (string);
  'join'?: (_kverse_chat_v1_Join__Output | null);
  'leave'?: (_kverse_chat_v1_Leave__Output | null);
  'message'?: (_kverse_chat_v1_SendMessage__Output | null);
  'ping'?: (_kverse_chat_v1_Ping__Output | null);
  'resume'?: (_kverse_chat_v1_Resume__Output | null);
  'payload'?: "join"|"leave"|"message"|"ping"|"resume";
}
