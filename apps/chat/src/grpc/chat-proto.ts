import { fileURLToPath } from 'node:url';
import { loadPackageDefinition } from '@grpc/grpc-js';
import { loadSync, type Options, type PackageDefinition } from '@grpc/proto-loader';
import type { ProtoGrpcType } from '../generated/chat.js';

/**
 * The chat contract, loaded from `proto/chat/v1/chat.proto` at the repository root. These options must match
 * the flags in `scripts/generate.sh`, which produces the types in `src/generated/` for exactly this shape:
 * 64-bit integers as JS numbers (offsets stay far below 2^53), enums as their names, defaults filled in, and
 * the name of the set member of each oneof (`payload`, `event`).
 */
export const CHAT_PROTO_OPTIONS: Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  arrays: true,
  oneofs: true,
  includeDirs: [fileURLToPath(new URL('../../../../proto', import.meta.url))],
};

/** `proto/` at the repository root; src/grpc and dist/grpc sit at the same depth below it. */
export const CHAT_PROTO_FILE = 'chat/v1/chat.proto';

/** The protobuf package definition (for the server, the reflection service and clients). */
export function loadChatPackageDefinition(): PackageDefinition {
  return loadSync(CHAT_PROTO_FILE, CHAT_PROTO_OPTIONS);
}

/** Typed client constructors and the service definition. */
export function loadChatProto(definition: PackageDefinition = loadChatPackageDefinition()): ProtoGrpcType {
  return loadPackageDefinition(definition) as unknown as ProtoGrpcType;
}
