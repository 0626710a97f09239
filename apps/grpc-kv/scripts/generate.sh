#!/usr/bin/env bash
# Regenerates src/generated/ (TypeScript types for proto/kvstore/v1/kvstore.proto) with @grpc/proto-loader's
# proto-loader-gen-types. The options here must match KV_PROTO_OPTIONS in src/grpc/kv-proto.ts.
# Usage: generate.sh [out-dir]   (default: src/generated; the freshness test writes to a temp dir and compares)
set -euo pipefail
APP="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT="$(cd "$APP/../.." && pwd)"
OUT="${1:-$APP/src/generated}"
rm -rf "$OUT"
mkdir -p "$OUT"
# Run from the repository root with a relative include dir: the generator writes the proto's path into every
# file, and it must not depend on where the checkout lives.
cd "$ROOT"
node_modules/.bin/proto-loader-gen-types \
  --grpcLib=@grpc/grpc-js --longs=String --enums=String --defaults --oneofs --arrays --includeComments \
  --includeDirs=proto --outDir="$OUT" --inputTemplate='%s' --outputTemplate='%s__Output' \
  --targetFileExtension=.ts --importFileExtension=.js \
  kvstore/v1/kvstore.proto
