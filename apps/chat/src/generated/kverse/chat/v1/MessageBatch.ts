// Original file: proto/chat/v1/chat.proto

import type { ChatMessage as _kverse_chat_v1_ChatMessage, ChatMessage__Output as _kverse_chat_v1_ChatMessage__Output } from '../../../kverse/chat/v1/ChatMessage.js';

/**
 * Consecutive messages of one room, in offset order, delivered as one event. The server batches what accumulates
 * while it is busy (a burst, a resume replay) and sends single messages as `message`; clients handle both.
 */
export interface MessageBatch {
  'messages'?: (_kverse_chat_v1_ChatMessage)[];
}

/**
 * Consecutive messages of one room, in offset order, delivered as one event. The server batches what accumulates
 * while it is busy (a burst, a resume replay) and sends single messages as `message`; clients handle both.
 */
export interface MessageBatch__Output {
  'messages': (_kverse_chat_v1_ChatMessage__Output)[];
}
