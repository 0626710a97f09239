import { fileURLToPath } from 'node:url';
import { loadPackageDefinition } from '@grpc/grpc-js';
import { loadSync, type Options, type PackageDefinition } from '@grpc/proto-loader';
import type { ProtoGrpcType } from '../generated/kvstore.js';

/**
 * The KV contract, loaded from `proto/kvstore/v1/kvstore.proto` at the repository root. These options must match
 * the flags in `scripts/generate.sh`, which produces the types in `src/generated/` for exactly this shape:
 * 64-bit integers as decimal strings (versions exceed 2^53), enums as their names, defaults filled in, and the
 * name of the set member of each oneof (`_fromVersion` tells a set `from_version` from an absent one).
 */
export const KV_PROTO_OPTIONS: Options = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  arrays: true,
  oneofs: true,
  includeDirs: [fileURLToPath(new URL('../../../../proto', import.meta.url))],
};

/** Path of the contract below `proto/`; src/grpc and dist/grpc sit at the same depth below the repository root. */
export const KV_PROTO_FILE = 'kvstore/v1/kvstore.proto';

/** Fully-qualified service name (health status, reflection). */
export const KV_SERVICE_NAME = 'kvstore.KvStore';

/** The protobuf package definition (for the server, the reflection service and clients). */
export function loadKvPackageDefinition(): PackageDefinition {
  return loadSync(KV_PROTO_FILE, KV_PROTO_OPTIONS);
}

/** Typed client constructor and service definition. */
export function loadKvProto(definition: PackageDefinition = loadKvPackageDefinition()): ProtoGrpcType {
  return loadPackageDefinition(definition) as unknown as ProtoGrpcType;
}
