import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { ChatMessage as _kverse_chat_v1_ChatMessage, ChatMessage__Output as _kverse_chat_v1_ChatMessage__Output } from './kverse/chat/v1/ChatMessage.js';
import type { ChatServiceClient as _kverse_chat_v1_ChatServiceClient, ChatServiceDefinition as _kverse_chat_v1_ChatServiceDefinition } from './kverse/chat/v1/ChatService.js';
import type { ClientEnvelope as _kverse_chat_v1_ClientEnvelope, ClientEnvelope__Output as _kverse_chat_v1_ClientEnvelope__Output } from './kverse/chat/v1/ClientEnvelope.js';
import type { Error as _kverse_chat_v1_Error, Error__Output as _kverse_chat_v1_Error__Output } from './kverse/chat/v1/Error.js';
import type { Join as _kverse_chat_v1_Join, Join__Output as _kverse_chat_v1_Join__Output } from './kverse/chat/v1/Join.js';
import type { Joined as _kverse_chat_v1_Joined, Joined__Output as _kverse_chat_v1_Joined__Output } from './kverse/chat/v1/Joined.js';
import type { Leave as _kverse_chat_v1_Leave, Leave__Output as _kverse_chat_v1_Leave__Output } from './kverse/chat/v1/Leave.js';
import type { Left as _kverse_chat_v1_Left, Left__Output as _kverse_chat_v1_Left__Output } from './kverse/chat/v1/Left.js';
import type { MessageBatch as _kverse_chat_v1_MessageBatch, MessageBatch__Output as _kverse_chat_v1_MessageBatch__Output } from './kverse/chat/v1/MessageBatch.js';
import type { Ping as _kverse_chat_v1_Ping, Ping__Output as _kverse_chat_v1_Ping__Output } from './kverse/chat/v1/Ping.js';
import type { Pong as _kverse_chat_v1_Pong, Pong__Output as _kverse_chat_v1_Pong__Output } from './kverse/chat/v1/Pong.js';
import type { Presence as _kverse_chat_v1_Presence, Presence__Output as _kverse_chat_v1_Presence__Output } from './kverse/chat/v1/Presence.js';
import type { Resume as _kverse_chat_v1_Resume, Resume__Output as _kverse_chat_v1_Resume__Output } from './kverse/chat/v1/Resume.js';
import type { SendMessage as _kverse_chat_v1_SendMessage, SendMessage__Output as _kverse_chat_v1_SendMessage__Output } from './kverse/chat/v1/SendMessage.js';
import type { ServerEvent as _kverse_chat_v1_ServerEvent, ServerEvent__Output as _kverse_chat_v1_ServerEvent__Output } from './kverse/chat/v1/ServerEvent.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  kverse: {
    chat: {
      v1: {
        ChatMessage: MessageTypeDefinition<_kverse_chat_v1_ChatMessage, _kverse_chat_v1_ChatMessage__Output>
        ChatService: SubtypeConstructor<typeof grpc.Client, _kverse_chat_v1_ChatServiceClient> & { service: _kverse_chat_v1_ChatServiceDefinition }
        ClientEnvelope: MessageTypeDefinition<_kverse_chat_v1_ClientEnvelope, _kverse_chat_v1_ClientEnvelope__Output>
        Error: MessageTypeDefinition<_kverse_chat_v1_Error, _kverse_chat_v1_Error__Output>
        Join: MessageTypeDefinition<_kverse_chat_v1_Join, _kverse_chat_v1_Join__Output>
        Joined: MessageTypeDefinition<_kverse_chat_v1_Joined, _kverse_chat_v1_Joined__Output>
        Leave: MessageTypeDefinition<_kverse_chat_v1_Leave, _kverse_chat_v1_Leave__Output>
        Left: MessageTypeDefinition<_kverse_chat_v1_Left, _kverse_chat_v1_Left__Output>
        MessageBatch: MessageTypeDefinition<_kverse_chat_v1_MessageBatch, _kverse_chat_v1_MessageBatch__Output>
        Ping: MessageTypeDefinition<_kverse_chat_v1_Ping, _kverse_chat_v1_Ping__Output>
        Pong: MessageTypeDefinition<_kverse_chat_v1_Pong, _kverse_chat_v1_Pong__Output>
        Presence: MessageTypeDefinition<_kverse_chat_v1_Presence, _kverse_chat_v1_Presence__Output>
        Resume: MessageTypeDefinition<_kverse_chat_v1_Resume, _kverse_chat_v1_Resume__Output>
        ResumeStatus: EnumTypeDefinition
        SendMessage: MessageTypeDefinition<_kverse_chat_v1_SendMessage, _kverse_chat_v1_SendMessage__Output>
        ServerEvent: MessageTypeDefinition<_kverse_chat_v1_ServerEvent, _kverse_chat_v1_ServerEvent__Output>
      }
    }
  }
}

