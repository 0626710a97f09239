export { type GrpcKvDeps, type GrpcKvHandle, startGrpcKv } from './app.js';
export { type ConnectOptions, KvClient } from './cli/kv-client.js';
export { buildKvCommand } from './cli/kv-command.js';
export type { CommandIo } from './cli/output.js';
export { buildSeedClientCommand, runSeedClient } from './cli/seed-client-command.js';
export { type GrpcKvConfig, grpcKvConfigSpec } from './config.js';
export {
  CURRENT_VERSION_TRAILER,
  ERROR_CODE_TRAILER,
  RESUME_VERSION_TRAILER,
  START_VERSION_HEADER,
  toGrpcStatus,
} from './grpc/grpc-status.js';
export {
  KV_PROTO_FILE,
  KV_PROTO_OPTIONS,
  KV_SERVICE_NAME,
  loadKvPackageDefinition,
  loadKvProto,
} from './grpc/kv-proto.js';
