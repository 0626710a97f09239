export { type ChatServerDeps, type ChatServerHandle, startChatServer } from './app.js';
export { type ChatCliOptions, runChatCli } from './cli/chat-cli.js';
export { ChatClient, type ChatClientEvent } from './cli/chat-client.js';
export { type ChatConfig, chatConfig, chatConfigSpec, parseChatConfig } from './config.js';
export { loadChatProto } from './grpc/chat-proto.js';
export { ERROR_CODE_TRAILER } from './grpc/grpc-status.js';
