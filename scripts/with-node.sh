#!/usr/bin/env bash
# Runs a command with Node 24 on PATH (installing it once where the machine's node is older).
set -euo pipefail
# shellcheck source=lib/node.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/node.sh"
ensure_node
exec "$@"
