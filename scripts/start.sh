#!/usr/bin/env bash
# `npm start`: installs what is missing (Node 24, dependencies), builds, and runs the whole platform in one process
# on the embedded defaults. Environment variables configure it (see the README's configuration table).
set -euo pipefail
# shellcheck source=lib/node.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/node.sh"
cd "$KVERSE_ROOT"
ensure_node
ensure_deps
kverse_log "building…"
npx tsc -b || kverse_die "build failed"
for hook in scripts/build.d/*.sh; do
  [ -e "$hook" ] || continue
  bash "$hook"
done
exec node cli/dist/main.js start "$@"
