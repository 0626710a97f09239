// Original file: proto/chat/v1/chat.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ClientEnvelope as _kverse_chat_v1_ClientEnvelope, ClientEnvelope__Output as _kverse_chat_v1_ClientEnvelope__Output } from '../../../kverse/chat/v1/ClientEnvelope.js';
import type { ServerEvent as _kverse_chat_v1_ServerEvent, ServerEvent__Output as _kverse_chat_v1_ServerEvent__Output } from '../../../kverse/chat/v1/ServerEvent.js';

export interface ChatServiceClient extends grpc.Client {
  /**
   * Opens a chat connection. The stream lives until either side ends it.
   */
  Connect(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_kverse_chat_v1_ClientEnvelope, _kverse_chat_v1_ServerEvent__Output>;
  Connect(options?: grpc.CallOptions): grpc.ClientDuplexStream<_kverse_chat_v1_ClientEnvelope, _kverse_chat_v1_ServerEvent__Output>;
  /**
   * Opens a chat connection. The stream lives until either side ends it.
   */
  connect(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_kverse_chat_v1_ClientEnvelope, _kverse_chat_v1_ServerEvent__Output>;
  connect(options?: grpc.CallOptions): grpc.ClientDuplexStream<_kverse_chat_v1_ClientEnvelope, _kverse_chat_v1_ServerEvent__Output>;
  
}

export interface ChatServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Opens a chat connection. The stream lives until either side ends it.
   */
  Connect: grpc.handleBidiStreamingCall<_kverse_chat_v1_ClientEnvelope__Output, _kverse_chat_v1_ServerEvent>;
  
}

export interface ChatServiceDefinition extends grpc.ServiceDefinition {
  Connect: MethodDefinition<_kverse_chat_v1_ClientEnvelope, _kverse_chat_v1_ServerEvent, _kverse_chat_v1_ClientEnvelope__Output, _kverse_chat_v1_ServerEvent__Output>
}
