#!/usr/bin/env bash
# `npm run bench -- <name> [args]`: builds and runs bench/src/<name>.ts; without a name, lists the benchmarks.
set -euo pipefail
# shellcheck source=lib/node.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/node.sh"
cd "$KVERSE_ROOT"
ensure_node
ensure_deps
if [ $# -eq 0 ]; then
  echo "usage: npm run bench -- <name> [args]; benchmarks (results in docs/benchmarks.md):"
  for f in bench/src/*.ts; do
    name="$(basename "$f" .ts)"
    case "$name" in report | *-members | *-load | *-worker) continue ;; esac
    echo "  $name"
  done
  exit 0
fi
name="$1"
shift
[ -f "bench/src/$name.ts" ] || kverse_die "no benchmark bench/src/$name.ts"
npx tsc -b
exec node "bench/dist/$name.js" "$@"
