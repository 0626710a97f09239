#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what it needs (Node 24, dependencies, local services,
# control-plane binaries), then lint, typecheck and every test tier. Ends with "N passed, N failed".
set -euo pipefail
# shellcheck source=lib/node.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/node.sh"
cd "$KVERSE_ROOT"
ensure_node
ensure_deps

kverse_log "lint and format check (biome)"
npx biome ci --reporter=summary .
kverse_log "typecheck and build (tsc -b)"
npx tsc -b

for hook in scripts/test.d/*.sh; do
  [ -e "$hook" ] || continue
  kverse_log "preparing: $hook"
  bash "$hook"
done

mkdir -p .kverse/test-results
results=.kverse/test-results/vitest.json
rm -f "$results"
status=0
kverse_log "running tests (vitest: ${KVERSE_TEST_PROJECTS:-all projects})"
projects=()
for p in ${KVERSE_TEST_PROJECTS:-}; do projects+=(--project "$p"); done
npx vitest run "${projects[@]}" --reporter=default --reporter=json --outputFile.json="$results" || status=$?
node scripts/lib/summarize-tests.mjs "$results" "$status"
exit "$status"
