#!/usr/bin/env bash
# apps/grpc-kv's TLS test makes a throw-away self-signed certificate with the openssl command.
set -euo pipefail
command -v openssl >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = 0 ]; then SUDO=(); else SUDO=(sudo); fi
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >/dev/null
