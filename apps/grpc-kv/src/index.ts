export { type GrpcKvDeps, type GrpcKvHandle, startGrpcKv } from './app.js';
export { type GrpcKvConfig, grpcKvConfigSpec } from './config.js';
export { ERROR_CODE_TRAILER, RESUME_VERSION_TRAILER, toGrpcStatus } from './grpc/grpc-status.js';
export {
  KV_PROTO_FILE,
  KV_PROTO_OPTIONS,
  KV_SERVICE_NAME,
  loadKvPackageDefinition,
  loadKvProto,
} from './grpc/kv-proto.js';
