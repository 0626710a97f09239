#!/usr/bin/env bash
# Installs nats-server (Debian package) for the chat benchmark, which starts its own instance on a free port.
# Idempotent; never starts a system service.
set -euo pipefail
if command -v nats-server >/dev/null; then
  exit 0
fi
printf '\033[1m[nats]\033[0m %s\n' "installing nats-server (apt)" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq nats-server >/dev/null
