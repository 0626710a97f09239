// Original file: proto/chat/v1/chat.proto

import type { Joined as _kverse_chat_v1_Joined, Joined__Output as _kverse_chat_v1_Joined__Output } from '../../../kverse/chat/v1/Joined.js';
import type { Left as _kverse_chat_v1_Left, Left__Output as _kverse_chat_v1_Left__Output } from '../../../kverse/chat/v1/Left.js';
import type { ChatMessage as _kverse_chat_v1_ChatMessage, ChatMessage__Output as _kverse_chat_v1_ChatMessage__Output } from '../../../kverse/chat/v1/ChatMessage.js';
import type { Presence as _kverse_chat_v1_Presence, Presence__Output as _kverse_chat_v1_Presence__Output } from '../../../kverse/chat/v1/Presence.js';
import type { Error as _kverse_chat_v1_Error, Error__Output as _kverse_chat_v1_Error__Output } from '../../../kverse/chat/v1/Error.js';
import type { Pong as _kverse_chat_v1_Pong, Pong__Output as _kverse_chat_v1_Pong__Output } from '../../../kverse/chat/v1/Pong.js';
import type { MessageBatch as _kverse_chat_v1_MessageBatch, MessageBatch__Output as _kverse_chat_v1_MessageBatch__Output } from '../../../kverse/chat/v1/MessageBatch.js';

export interface ServerEvent {
  /**
   * The request_id of the envelope this event answers; empty for events caused by others.
   */
  'requestId'?: (string);
  'joined'?: (_kverse_chat_v1_Joined | null);
  'left'?: (_kverse_chat_v1_Left | null);
  'message'?: (_kverse_chat_v1_ChatMessage | null);
  'presence'?: (_kverse_chat_v1_Presence | null);
  'error'?: (_kverse_chat_v1_Error | null);
  'pong'?: (_kverse_chat_v1_Pong | null);
  'batch'?: (_kverse_chat_v1_MessageBatch | null);
  'event'?: "joined"|"left"|"message"|"presence"|"error"|"pong"|"batch";
}

export interface ServerEvent__Output {
  /**
   * The request_id of the envelope this event answers; empty for events caused by others.
   */
  'requestId': (string);
  'joined'?: (_kverse_chat_v1_Joined__Output | null);
  'left'?: (_kverse_chat_v1_Left__Output | null);
  'message'?: (_kverse_chat_v1_ChatMessage__Output | null);
  'presence'?: (_kverse_chat_v1_Presence__Output | null);
  'error'?: (_kverse_chat_v1_Error__Output | null);
  'pong'?: (_kverse_chat_v1_Pong__Output | null);
  'batch'?: (_kverse_chat_v1_MessageBatch__Output | null);
  'event'?: "joined"|"left"|"message"|"presence"|"error"|"pong"|"batch";
}
